import Foundation
import XCTest
@testable import Evaluation

/// Tables that support comparisons: labelled mean ± sd with sensible digits, per-dataset values
/// for paired differences, baselines in the training log, and the log as CSV tables.
final class ComparisonTableTests: XCTestCase {
    func testMeanAndSDShareTheSDsTwoSignificantDigits() {
        XCTAssertEqual(formatMeanSD(10.333, 3.21), "10.3 ± 3.2")
        XCTAssertEqual(formatMeanSD(0.89123, 0.0567), "0.891 ± 0.057")
        XCTAssertEqual(formatMeanSD(123.4, 45.6), "123 ± 46")
        XCTAssertEqual(formatMeanSD(0.5, 0), "0.5 ± 0", "no spread: the mean's own digits")
    }

    func report(_ values: [Double], suite: String = "s") -> EvaluationReport {
        var r = EvaluationReport(checkpoint: nil, step: nil, suite: suite, datasetCount: values.count, queryRowsPerRegime: 10,
                                 aggregation: "mean", graphMetricsSkipped: false, methods: [])
        r.datasets = values.enumerated().map { k, v in
            DatasetValues(name: String(format: "%06d", k), nodeCount: 5, values: ["model": ["shd": v]])
        }
        return r
    }

    func testPairedDifferenceIsTheMeanOfPerDatasetDifferencesWithItsStandardError() throws {
        let a = report([4, 6, 8]), b = report([3, 4, 8])
        let d = try XCTUnwrap(try PairedComparison.differences(a, b, metrics: ["shd", "auroc"]))
        XCTAssertEqual(d.count, 1, "a metric neither file has is left out")
        XCTAssertEqual(d[0].mean, -1, accuracy: 1e-12)               // differences -1, -2, 0
        XCTAssertEqual(d[0].standardError, 1 / 3.0.squareRoot(), accuracy: 1e-12)  // sd 1, n 3
        XCTAssertEqual(d[0].count, 3)
        XCTAssertThrowsError(try PairedComparison.differences(a, report([1, 2], suite: "other"), metrics: ["shd"]))
    }

    func testPerDatasetValuesRoundTripThroughJSON() throws {
        let r = report([4, 6])
        let back = try JSONDecoder().decode(EvaluationReport.self, from: try JSONEncoder().encode(r))
        XCTAssertEqual(back.datasets?.map(\.name), ["000000", "000001"])
        XCTAssertEqual(back.datasets?[1].values["model"]?["shd"], 6)
        var old = try XCTUnwrap(try JSONSerialization.jsonObject(with: try JSONEncoder().encode(r)) as? [String: Any])
        old["datasets"] = nil
        let legacy = try JSONDecoder().decode(EvaluationReport.self, from: try JSONSerialization.data(withJSONObject: old))
        XCTAssertNil(legacy.datasets, "eval files from before per-dataset values still load")
    }

    func testHeldOutLogSeriesCarryTheBaselinesUnderShortNames() {
        let table = MetricTable([[("shd", 3.0)], [("shd", 5.0)]])
        let r = EvaluationReport(checkpoint: nil, step: nil, suite: "s", datasetCount: 2, queryRowsPerRegime: 10, aggregation: "mean",
                                 graphMetricsSkipped: false,
                                 methods: ["model", "empty graph", "intervention t-test", "plug-in delta"].map {
                                     MethodSummary(name: $0, overall: table, byNodeCount: [])
                                 })
        let series = r.logSeries()
        XCTAssertEqual(Set(series.keys), ["eval_shd", "eval_baseline_empty_shd", "eval_baseline_ttest_shd", "eval_baseline_plugin_shd"])
        XCTAssertEqual(series["eval_baseline_empty_shd"], 4)
    }

    func testTheMarkdownTableLabelsItsSpread() {
        let r = EvaluationReport(checkpoint: nil, step: nil, suite: "s", datasetCount: 2, queryRowsPerRegime: 10, aggregation: "mean",
                                 graphMetricsSkipped: false,
                                 methods: [MethodSummary(name: "model", overall: MetricTable([[("shd", 3.0)], [("shd", 5.0)]]), byNodeCount: [])])
        let md = r.markdown()
        XCTAssertTrue(md.contains("| method | n | shd |"), md)
        XCTAssertTrue(md.contains("| model | 2 | 4.0 ± 1.4 |"), md)
        XCTAssertTrue(md.contains("mean ± sd over the n datasets"), md)
    }

    func testALogBecomesATrainingAndAHeldOutTable() throws {
        let text = #"{"config": {}, "step": [1, 2], "loss": [0.5, null], "delta_mse": [1, 2], "dag_bce": [1, 1], "shd": [3, 2], "#
            + #""acyclicity": [0, 0], "lr": [0.001, 0.001], "eval_step": [2], "eval_shd": [4.5], "eval_baseline_empty_shd": [6]}"#
        let log = try TrainingLog(data: Data(text.utf8), name: "r", path: "r.json")
        let (train, heldOut) = LogTables.csv(log)
        XCTAssertEqual(train, "step,loss,delta_mse,dag_bce,shd,acyclicity,lr\n1,0.5,1,1,3,0,0.001\n2,,2,1,2,0,0.001\n")
        XCTAssertEqual(heldOut, "eval_step,eval_baseline_empty_shd,eval_shd\n2,6,4.5\n")
    }
}
