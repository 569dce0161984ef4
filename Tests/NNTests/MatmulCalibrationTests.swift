@testable import NN
import XCTest

/// `--precision auto`'s library side.
final class MatmulCalibrationTests: XCTestCase {
    /// Calibration picks the precision with the smaller measured time, here decided by an
    /// injected clock that makes one candidate's passes slower.
    func testCalibrationPicksTheFasterPrecisionByTheInjectedClock() {
        let shapes = GemmShape.linear(rows: 64, in: 32, out: 48)
        XCTAssertEqual(shapes.map { [$0.m, $0.n, $0.k] }, [[64, 48, 32], [64, 32, 48], [48, 32, 64]])
        for slow in [MatmulPrecision.float32, .bfloat16] {
            var now: UInt64 = 0
            // Each clock read advances 1 ms, plus 5 ms when the slow candidate is running.
            let cal = MatmulCalibration(shapes: shapes, passes: 2) {
                now += 1_000_000 + (MatmulPrecision.current == slow ? 5_000_000 : 0)
                return now
            }
            XCTAssertEqual(MatmulPrecision.current, .float32, "calibration restores the precision")
            if MatmulPrecision.bfloat16Supported {
                XCTAssertEqual(cal.choice, slow == .float32 ? .bfloat16 : .float32)
                XCTAssertEqual(cal.milliseconds.count, 2)
                XCTAssertTrue(cal.summary.hasPrefix("precision auto: \(cal.choice.rawValue) (fp32 "), cal.summary)
            } else {
                XCTAssertEqual(cal.choice, .float32)
                XCTAssertTrue(cal.milliseconds.isEmpty)
            }
        }
    }

    /// A near tie goes to fp32: bf16 must be more than 10% faster to be chosen.
    func testANearTieIsDecidedForFP32() {
        let shapes = GemmShape.linear(rows: 64, in: 32, out: 48)
        var now: UInt64 = 0
        // bf16 5% faster: each clock read advances 1 ms, 1.05 ms while fp32 runs.
        let cal = MatmulCalibration(shapes: shapes, passes: 2) {
            now += MatmulPrecision.current == .float32 ? 1_050_000 : 1_000_000
            return now
        }
        XCTAssertEqual(cal.choice, .float32)
    }

    /// The step form times the caller's own pass (a training step in `pfn-train`): a warm-up
    /// of each candidate, then `passes` timed calls per candidate, alternating, each under
    /// that candidate's precision (a disturbance then falls on both, not on one).
    func testAPassClosureIsTimedUnderEachCandidate() throws {
        try XCTSkipUnless(MatmulPrecision.bfloat16Supported, "no AVX-512 BF16: nothing is timed")
        var now: UInt64 = 0
        var calls: [MatmulPrecision] = []
        let cal = MatmulCalibration(passes: 2, nanoseconds: { now }, unit: "training step") {
            calls.append(MatmulPrecision.current)
            now += MatmulPrecision.current == .bfloat16 ? 3_000_000 : 2_000_000  // fp32 faster
        }
        XCTAssertEqual(calls, [.float32, .bfloat16, .float32, .bfloat16, .float32, .bfloat16])
        XCTAssertEqual(cal.choice, .float32)
        XCTAssertEqual(cal.milliseconds, [.float32: 2, .bfloat16: 3])
        XCTAssertEqual(cal.summary, "precision auto: fp32 (fp32 2.0 ms, bf16 3.0 ms per training step)")
    }
}
