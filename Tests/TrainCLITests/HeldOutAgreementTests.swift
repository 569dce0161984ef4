import Foundation
import XCTest

/// Training's held-out evaluation (`--eval-every K --eval-suite S`) and `pfn-train eval
/// --checkpoint <that step's checkpoint> --suite S` compute the same thing: the same items
/// (10 rows per regime, mean aggregation), the model in evaluation mode, products in fp32
/// whatever the run's precision. So every `eval_*` value of the log equals the eval JSON's mean
/// to the log's 9 significant digits (docs/file-formats.md §2a).
final class HeldOutAgreementTests: XCTestCase {
    /// A bf16 run (its products large enough for the bf16 kernel) trained on 1 thread, evaluated
    /// on 2: the numbers agree at an intermediate step and at the end.
    func testTrainingsHeldOutEvaluationEqualsEvalOfThatStepsCheckpoint() throws {
        let p = try PFNTrainProcess(self)
        let shape = ["--d-model", "64", "--feed-forward", "256", "--heads", "2", "--layers", "1", "--batch", "16",
                     "--nodes", "8", "--max-nodes", "10", "--observational-samples", "20", "--samples-per-regime", "20"]
        try p.runOK(["--model", "A", "--steps", "4", "--precision", "bf16", "--threads", "1", "--eval-every", "2",
                     "--eval-suite", "n10", "--checkpoint-every", "2", "--run-name", "r"] + shape)
        let log = try p.log("logs/r.json")
        XCTAssertEqual(try p.series(log, "eval_step"), [2, 4])
        let keys = log.keys.filter { $0.hasPrefix("eval_") && $0 != "eval_step" }.sorted()
        XCTAssertTrue(keys.contains("eval_auroc") && keys.contains("eval_baseline_plugin_delta_mse"), "\(keys)")

        for (i, checkpoint) in ["checkpoints/r/step-2.h5", "checkpoints/r/final.h5"].enumerated() {
            try p.runOK(["eval", "--checkpoint", checkpoint, "--suite", "n10", "--json", "e\(i).json", "--threads", "2"])
            let means = try evalMeans(p, "e\(i).json")
            XCTAssertEqual(Set(means.keys), Set(keys), "the log's held-out keys and eval's metrics")
            for key in keys {
                let logged = try p.series(log, key)[i], evaluated = try XCTUnwrap(means[key])
                XCTAssertEqual(String(format: "%.9g", logged), String(format: "%.9g", evaluated), "\(key) at \(checkpoint)")
            }
        }
    }

    /// The eval JSON's means under the log's keys: `eval_<metric>` for the model,
    /// `eval_baseline_<short>_<metric>` for the baselines.
    private func evalMeans(_ p: PFNTrainProcess, _ file: String) throws -> [String: Double] {
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: XCTUnwrap(p.contents(file))) as? [String: Any])
        let short = ["model": "", "empty graph": "baseline_empty_", "random graph": "baseline_random_",
                     "intervention t-test": "baseline_ttest_", "zero delta": "baseline_zero_", "plug-in delta": "baseline_plugin_"]
        var out: [String: Double] = [:]
        for method in try XCTUnwrap(json["methods"] as? [[String: Any]]) {
            let prefix = try XCTUnwrap(short[try XCTUnwrap(method["name"] as? String)])
            let summaries = try XCTUnwrap((method["overall"] as? [String: Any])?["summaries"] as? [String: [String: Any]])
            for (metric, s) in summaries { out["eval_" + prefix + metric] = (s["mean"] as? NSNumber)?.doubleValue }
        }
        return out
    }
}
