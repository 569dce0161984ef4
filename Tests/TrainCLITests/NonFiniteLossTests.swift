import Foundation
import XCTest

/// A loss that turns NaN stops the run with an error naming the step and the terms, exit 1,
/// keeping the last good checkpoint and a valid log.
final class NonFiniteLossTests: XCTestCase {
    func testADivergingRunStopsNamingTheStepAndKeepsTheLastCheckpoint() throws {
        let p = try PFNTrainProcess(self)
        // lr 1e30 blows the parameters up in the first update, so step 2's loss is NaN.
        let r = try p.run(["--model", "A", "--steps", "6", "--lr", "1e30", "--checkpoint-every", "1", "--log-every", "1"]
                          + PFNTrainProcess.tiny)
        XCTAssertEqual(r.status, 1, r.stderr)
        let error = try XCTUnwrap(r.errorLines.first, r.stderr)
        XCTAssertTrue(error.contains("non-finite loss at step 2") && error.contains("delta huber"), error)
        XCTAssertTrue(p.exists("checkpoints/A/step-1.h5"), "the last good checkpoint")
        XCTAssertFalse(p.exists("checkpoints/A/step-2.h5") || p.exists("checkpoints/A/final.h5"))
        XCTAssertEqual(try p.series(try p.log("logs/A.json"), "step"), [1])
    }
}
