import Foundation
import XCTest

/// The `pfn-train` executable runs OpenBLAS kernels as wide as the CPU: never the generic
/// fallback (Prescott on an AVX-512 Xeon), whatever OpenBLAS detected by itself; a user's
/// OPENBLAS_CORETYPE is respected.
final class BLASCoreProcessTests: XCTestCase {
    func blasCore(environment: [String: String?]) throws -> String {
        let process = Process()
        process.executableURL = try PFNTrainProcess.binary()
        process.arguments = ["blas-core"]
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        process.environment = env
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)
        return out
    }

    func testExecutableNeverRunsAFallbackCore() throws {
        let out = try blasCore(environment: ["OPENBLAS_CORETYPE": nil, "PFN_TRAIN_OPENBLAS_DETECTED": nil])
        XCTAssertTrue(out.hasPrefix("OpenBLAS core: "), out)
        XCTAssertFalse(out.contains("fallback"), out)
        if out.contains("CPU: AVX-512") { XCTAssertTrue(out.contains("core: SkylakeX") || out.contains("core: Cooperlake") || out.contains("core: SapphireRapids"), out) }
        if out.contains("CPU: AVX2") { XCTAssertFalse(out.contains("core: Prescott"), out) }
    }

    func testUserCoreTypeIsRespected() throws {
        let out = try blasCore(environment: ["OPENBLAS_CORETYPE": "Prescott", "PFN_TRAIN_OPENBLAS_DETECTED": nil])
        XCTAssertTrue(out.hasPrefix("OpenBLAS core: Prescott (OPENBLAS_CORETYPE=Prescott set by the user"), out)
    }
}
