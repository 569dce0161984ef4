import Foundation
import Training
import XCTest
@testable import TrainCLI

/// The console while training (issue 14 §3): every kept line shows progress (step/total, %,
/// elapsed, ETA), the running mean loss and the logged batch's values as the seed notebook
/// printed them (`Loss | MSE | SHD | H`), under the log's keys and with the log's values.
final class ConsoleLineTests: XCTestCase {
    func testKeptLineShowsTheRunningMeanAndTheNotebooksBatchValues() {
        let status = Progress.status(step: 500, total: 3000, done: 500, elapsed: 130)
        let logged = LoggedStep(step: 500, loss: 1.198, deltaMSE: 0.4531, shd: 9.1, acyclicity: 0.00123, elapsed: 130)
        let line = Progress.keptLine(status: status, meanLoss: 1.234, count: 100, logged)
        XCTAssertEqual(line, "step 500/3000 (16%)  elapsed 2m10s  ETA 10m50s  3.85 steps/s  loss 1.2340 (mean of 100 steps)  |"
                           + "  batch: loss 1.1980  delta_mse 0.4531  shd 9.1  acyclicity 1.2e-03")
    }

    /// At step 1 (or with --log-every 1) the mean is of one batch: only the batch's values.
    func testKeptLineOfASingleStepHasNoMean() {
        let logged = LoggedStep(step: 1, loss: 2.5, deltaMSE: 12.25, shd: 20, acyclicity: 0.5, elapsed: 1)
        let line = Progress.keptLine(status: "step 1/10 (10%)", meanLoss: 2.5, count: 1, logged)
        XCTAssertEqual(line, "step 1/10 (10%)  batch: loss 2.5000  delta_mse 12.25  shd 20.0  acyclicity 5.0e-01")
    }

    /// A real run: one kept line per log step, each carrying that row's values of the log.
    func testATrainingRunPrintsTheLoggedRowsValuesOnItsKeptLines() throws {
        let p = try PFNTrainProcess(self)
        let r = try p.runOK(["--model", "A", "--steps", "4", "--log-every", "2"] + PFNTrainProcess.tiny)
        let kept = r.stdout.split(separator: "\n").map(String.init).filter { $0.hasPrefix("step ") }
        let log = try p.log("logs/A.json")
        let steps = try p.series(log, "step"), loss = try p.series(log, "loss"), mse = try p.series(log, "delta_mse")
        let shd = try p.series(log, "shd"), h = try p.series(log, "acyclicity")
        XCTAssertEqual(steps, [1, 2, 4])
        XCTAssertEqual(kept.count, steps.count, r.stdout)
        for (i, line) in kept.enumerated() {
            XCTAssertTrue(line.hasPrefix("step \(Int(steps[i]))/4 ("), line)
            for part in ["elapsed ", "ETA ",
                         String(format: "batch: loss %.4f", loss[i]), String(format: "delta_mse %.4g", mse[i]),
                         String(format: "shd %.1f", shd[i]), String(format: "acyclicity %.1e", h[i])] {
                XCTAssertTrue(line.contains(part), "'\(part)' missing from: \(line)")
            }
        }
        // Steps 3 and 4 since the line of step 2: their mean loss.
        XCTAssertTrue(kept[2].contains("(mean of 2 steps)"), kept[2])
        XCTAssertFalse(kept[0].contains("mean of"), kept[0])
    }
}
