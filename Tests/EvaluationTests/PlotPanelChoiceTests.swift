import Foundation
import TestSupport
import XCTest
@testable import Evaluation

final class PlotPanelChoiceTests: XCTestCase {
    /// By default at most six: the notebook's, the loss and held-out panels; `all` adds every shared series.
    func testDefaultPanelsAreThePreferredOnesAndAllAddsTheRest() throws {
        let json = """
        {"step": [1, 2], "loss": [3, 2], "delta_mse": [5, 4], "dag_bce": [1, 0.5], "shd": [9, 8],
         "acyclicity": [0.1, 0.0], "lr": [0.1, 0.1], "eval_step": [2], "eval_auroc": [0.7]}
        """
        let url = URL(fileURLWithPath: temporaryPath("panels.json", folder: "evaluation"))
        try json.write(to: url, atomically: true, encoding: .utf8)
        let log = try TrainingLog(contentsOf: url)
        XCTAssertEqual(try ComparisonPlot.panels(for: [log], options: PlotOptions()),
                       ["shd", "delta_mse", "loss", "eval_auroc", "dag_bce", "acyclicity"])
        XCTAssertEqual(try ComparisonPlot.panels(for: [log], options: PlotOptions(series: ["all"])),
                       ["shd", "delta_mse", "loss", "eval_auroc", "dag_bce", "acyclicity", "lr"])
    }
}
