@testable import Evaluation
import XCTest

/// `compare --across-runs`: the spread that backs a claim is across training seeds.
final class AcrossRunsTests: XCTestCase {
    private func report(model shd: [Double], empty: Double = 13.5, suite: String = "n10") -> EvaluationReport {
        let model = MethodSummary(name: "model", overall: MetricTable(shd.map { [("shd", $0)] }), byNodeCount: [])
        let baseline = MethodSummary(name: "empty graph", overall: MetricTable(shd.map { _ in [("shd", empty)] }), byNodeCount: [])
        return EvaluationReport(checkpoint: nil, step: nil, suite: suite, datasetCount: shd.count, queryRowsPerRegime: 10,
                                aggregation: "mean", graphMetricsSkipped: false, methods: [model, baseline])
    }

    func testModelRowIsMeanAndSampleSDOfTheRunsDatasetMeans() throws {
        // Run means 9, 10, 11 (each the mean of two datasets): mean 10, sd 1.
        let rows = try AcrossRuns.rows([report(model: [8, 10]), report(model: [10, 10]), report(model: [12, 10])])
        XCTAssertEqual(rows.map(\.method), ["model", "empty graph"])
        XCTAssertEqual(rows[0].runs, 3)
        XCTAssertEqual(rows[0].values["shd"]!.mean, 10, accuracy: 1e-12)
        XCTAssertEqual(rows[0].values["shd"]!.sd, 1, accuracy: 1e-12)
        XCTAssertEqual(rows[1].values["shd"]!.mean, 13.5)
        let table = AcrossRuns.markdown(rows, metrics: ["shd"], suite: "n10")
        XCTAssertTrue(table.contains("| model | 3 | 10.0 ± 1.0 |"), table)
        XCTAssertTrue(table.contains("| empty graph | 1 | 13.5 |"), table)
    }

    func testEvaluationsOfOtherDataAreRefused() {
        XCTAssertThrowsError(try AcrossRuns.rows([report(model: [8, 10]), report(model: [8, 10], suite: "n20")])) {
            XCTAssertTrue("\($0)".contains("same suite"), "\($0)")
        }
        XCTAssertThrowsError(try AcrossRuns.rows([report(model: [8, 10]), report(model: [8, 10], empty: 12)])) {
            XCTAssertTrue("\($0)".contains("differs between the files"), "\($0)")
        }
    }
}
