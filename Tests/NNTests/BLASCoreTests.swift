@testable import NN
import XCTest

/// Which OpenBLAS cores count as fallbacks (the executable's re-exec acts on this).
final class BLASCoreTests: XCTestCase {
    func testGenericCoresAreFallbacksOnAVX2AndAVX512CPUs() {
        for core in ["Prescott", "Core2", "Nehalem", "Sandybridge", "Atom"] {
            XCTAssertTrue(BLASCore.isFallback(core, simdLevel: 1), core)
            XCTAssertTrue(BLASCore.isFallback(core, simdLevel: 2), core)
            XCTAssertFalse(BLASCore.isFallback(core, simdLevel: 0), "\(core) is all a CPU without AVX2 runs")
        }
        XCTAssertTrue(BLASCore.isFallback("Haswell", simdLevel: 2))
        XCTAssertFalse(BLASCore.isFallback("Haswell", simdLevel: 1))
        for core in ["SkylakeX", "Cooperlake", "SapphireRapids"] { XCTAssertFalse(BLASCore.isFallback(core, simdLevel: 2), core) }
        XCTAssertEqual(BLASCore.preferred(simdLevel: 2), "SkylakeX")
        XCTAssertEqual(BLASCore.preferred(simdLevel: 1), "Haswell")
        XCTAssertNil(BLASCore.preferred(simdLevel: 0))
    }

    /// The library reports what OpenBLAS loaded and what the CPU runs, consistently with
    /// the bf16 detection (AVX-512 BF16 implies AVX-512).
    func testReportsTheLoadedCoreAndTheCPU() {
        XCTAssertFalse(BLASCore.inUse.isEmpty)
        XCTAssertTrue((0...2).contains(BLASCore.simdLevel))
        if MatmulPrecision.bfloat16Supported { XCTAssertEqual(BLASCore.simdLevel, 2) }
    }
}
