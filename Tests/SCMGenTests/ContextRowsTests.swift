import Randomness
@testable import SCMGen
import XCTest

/// `PriorConfig.contextRowsMax`: each mixed-stream item's context has its own rows per regime,
/// log-uniform over [contextRowsPerRegime, contextRowsMax]; without it the size is fixed and
/// the stream draws exactly what it drew before the field existed.
final class ContextRowsTests: XCTestCase {
    func testAFixedSizeDrawsNoRandomness() {
        let c = PriorConfig()
        var rng = Xoshiro256(seed: 4)
        let before = rng.state
        XCTAssertEqual(c.contextRows(rng: &rng), 5)
        XCTAssertEqual(rng.state, before)
    }

    /// Log-uniform over [5, 100]: every draw in range, both ends reached, and half the draws
    /// below the geometric midpoint √(5 · 101) ≈ 22.5 (within 5 standard errors over 4,000).
    func testDrawsAreLogUniformOverTheRange() {
        var c = PriorConfig()
        c.contextRowsMax = 100
        var rng = Xoshiro256(seed: 5)
        let draws = (0..<4000).map { _ in c.contextRows(rng: &rng) }
        XCTAssertTrue(draws.allSatisfy { (5...100).contains($0) })
        XCTAssertEqual(draws.min(), 5)
        XCTAssertEqual(draws.max(), 100)
        let below = Double(draws.filter { Double($0) < (5.0 * 101).squareRoot() }.count) / 4000
        XCTAssertEqual(below, 0.5, accuracy: 5 * (0.25 / 4000).squareRoot())
    }

    func testAMaximumBelowTheMinimumIsRefused() {
        var c = PriorConfig()
        c.contextRowsMax = 4
        XCTAssertThrowsError(try c.validate())
        c.contextRowsMax = 5
        XCTAssertNoThrow(try c.validate())
    }

    /// The row counts the context reports (its per-regime counts) vary between items of a batch.
    func testMixedStreamContextsVaryInSize() throws {
        var c = PriorConfig()
        (c.nodesMin, c.nodesMax, c.observationalSamples, c.samplesPerRegime) = (6, 6, 10, 5)
        c.contextRowsMax = 40
        var s = try BatchStream(config: c, seed: 3, batchSize: 16, mode: .mixed, context: true, pairStatistics: true)
        let b = s.next()
        let slots = RegimeContext.regimeSlots
        let sizes = Set((0..<16).map { i in (0..<(6 * slots)).map { b.contextCount[i * 6 * slots + $0] }.max()! })
        XCTAssertGreaterThanOrEqual(sizes.count, 5, "\(sizes)")
        XCTAssertTrue(sizes.allSatisfy { (5...40).contains(Int($0)) }, "\(sizes)")
    }
}
