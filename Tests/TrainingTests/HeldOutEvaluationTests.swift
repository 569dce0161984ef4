import Foundation
import XCTest
@testable import Training

final class HeldOutEvaluationTests: XCTestCase {
    /// Held-out evaluation during training logs eval_* series at its steps and at the end.
    func testHeldOutEvaluationLogsItsSeriesEveryKStepsAndAtTheEnd() throws {
        let run = try TinyRun(self, variant: .A, seed: 2, steps: 5)
        run.config.model.maxNodes = 10
        (run.output.evalEvery, run.output.evalSuite) = (2, "n10")
        var evaluated: [Int] = []
        try run.train(hooks: TrainingHooks(events: { if case let .evaluated(step, _) = $0 { evaluated.append(step) } }))
        XCTAssertEqual(evaluated, [2, 4, 5])
        XCTAssertEqual(try run.log().series["eval_step"], [2, 4, 5])
    }

    /// A suite larger than the model is refused before any folder is made.
    func testASuiteLargerThanTheModelIsRefusedBeforeAnythingIsWritten() throws {
        let run = try TinyRun(self, variant: .A, seed: 2, steps: 5)
        (run.output.evalEvery, run.output.evalSuite) = (2, "n10")  // max-nodes 8
        XCTAssertThrowsError(try run.train()) { XCTAssertTrue("\($0)".contains("--max-nodes"), "\($0)") }
        XCTAssertFalse(FileManager.default.fileExists(atPath: run.output.logDir))
        XCTAssertFalse(FileManager.default.fileExists(atPath: run.output.checkpointDir))
    }
}
