import TestSupport
import XCTest
import SCMGen
@testable import Evaluation

/// Returns the true adjacency as logits ±10 and the true delta: a perfect model.
struct TruthPredictor: CausalPredictor {
    var maxNodes = 50
    func predict(_ batch: TrainingBatch) throws -> (edgeLogits: [Float], delta: [Float]) {
        (batch.adjacency.map { $0 > 0 ? 10 : -10 }, batch.delta)
    }
}

/// Logit +10 on the edges out of the item's intervened node, −10 elsewhere; delta 0.
struct TargetRowPredictor: CausalPredictor {
    var maxNodes = 50
    func predict(_ batch: TrainingBatch) throws -> (edgeLogits: [Float], delta: [Float]) {
        let n = batch.maxNodes
        var logits = [Float](repeating: -10, count: batch.batchSize * n * n)
        for b in 0..<batch.batchSize {
            let t = Int(batch.target[b])
            for j in 0..<n where j != t { logits[(b * n + t) * n + j] = 10 }
        }
        return (logits, [Float](repeating: 0, count: batch.batchSize * n))
    }
}

final class EvaluatorTests: XCTestCase {
    /// A small suite from the default prior with 4–7 nodes (mixed N, so batches are padded).
    func suite(count: Int = 4, seed: UInt64 = 3) throws -> [SCMDataset] {
        var config = PriorConfig()
        config.nodesMin = 4; config.nodesMax = 7
        config.observationalSamples = 20; config.samplesPerRegime = 12
        return try SuiteSampler.sample(config: config, count: count, seed: seed)
    }

    func testPerfectPredictorScoresPerfectlyAndBeatsBaselines() throws {
        let data = try suite()
        var options = EvaluatorOptions(); options.batchSize = 7
        let evaluator = Evaluator(options: options)
        let results = try evaluator.evaluate(TruthPredictor(), on: data)
        XCTAssertEqual(Set(data.map { $0.nodeCount }).count > 1, true, "the suite should mix node counts")
        for e in results {
            let m = e.graph["model"]!
            XCTAssertEqual(m.shd, 0); XCTAssertEqual(m.notebookSHD, 0)
            XCTAssertEqual(m.f1, m.trueEdges > 0 ? 1 : 0)
            if m.trueEdges > 0 { XCTAssertEqual(m.auroc, 1); XCTAssertEqual(m.auprc, 1) }
            XCTAssertEqual(e.delta["model"]!.mse, 0, accuracy: 1e-10)
            XCTAssertGreaterThan(e.delta["zero delta"]!.mse, 0)
            XCTAssertEqual(e.graph["empty graph"]!.shd, e.graph["empty graph"]!.trueEdges)
        }
        let report = evaluator.report(results, suite: "test")
        XCTAssertEqual(report.methods.map { $0.name }, Evaluator.methods)
        XCTAssertEqual(report.methods[0].overall["shd"]?.mean, 0)
        XCTAssertEqual(report.methods[0].overall["shd"]?.count, data.count)
        XCTAssertNil(report.methods[1].overall["delta_mse"])      // the empty graph has no delta
        XCTAssertNotNil(report.methods[3].overall["auroc"])       // the intervention t-test, a graph baseline
        XCTAssertNil(report.methods[4].overall["shd"])            // the zero delta has no graph
        XCTAssertFalse(report.graphMetricsSkipped)
        XCTAssertEqual(report.logSeries()["eval_shd"], 0)
        XCTAssertTrue(report.markdown().contains("| plug-in delta |"))
        let json = try JSONEncoder().encode(report)
        XCTAssertEqual(try JSONDecoder().decode(EvaluationReport.self, from: json).methods.count, 6)
    }

    func testQueryItemsAreTheFirstQRowsOfEveryRegime() throws {
        let d = try suite(count: 1)[0]
        var options = EvaluatorOptions(); options.queryRowsPerRegime = 5
        let items = Evaluator(options: options).items(for: d, index: 0)
        XCTAssertEqual(items.count, 5 * d.regimeCount)
        for k in 0..<d.regimeCount {
            XCTAssertEqual(items.filter { $0.regime == k }.map { $0.row }, Array(d.rows(ofRegime: k).prefix(5)))
        }
        XCTAssertTrue(items.allSatisfy { $0.query == Int(d.queryIndex[$0.row]) })
        options.queryRowsPerRegime = nil
        XCTAssertEqual(Evaluator(options: options).items(for: d, index: 0).count, d.interventionalCount)
    }

    func testGraphProbabilitiesAggregateOverRegimesByItemCount() throws {
        // Each regime's items put probability σ(10) on the target's out-edges, σ(−10) elsewhere:
        // the per-regime matrix shows that row, and the graph-level mean of sigmoid weights each
        // regime by its item count (equal here: Q rows each).
        let d = try suite(count: 1)[0]
        let n = d.nodeCount, k = d.regimeCount
        let p = try Evaluator().predict(TargetRowPredictor(), on: [d])[0]
        let hi = 1 / (1 + exp(-10.0)), lo = 1 / (1 + exp(10.0))
        for r in 0..<k {
            let t = Int(d.regimeTargets[r])
            XCTAssertEqual(Double(p.edgeProbabilityPerRegime[(r * n + t) * n + (t + 1) % n]), hi, accuracy: 1e-6)
            XCTAssertEqual(Double(p.edgeProbabilityPerRegime[(r * n + (t + 1) % n) * n + t]), lo, accuracy: 1e-6)
        }
        for i in 0..<n {
            let share = Double(d.regimeTargets.filter { Int($0) == i }.count) / Double(k)
            for j in 0..<n where j != i {
                XCTAssertEqual(Double(p.edgeProbability[i * n + j]), share * hi + (1 - share) * lo, accuracy: 1e-6)
            }
        }
        XCTAssertEqual(p.evaluatedRows.count, min(10, 12) * k)
        XCTAssertTrue(p.delta.enumerated().allSatisfy { p.evaluatedRows.contains($0.offset / n) != $0.element.isNaN })
    }

    func testSuiteWithoutAdjacencyStillGetsDeltaMetrics() throws {
        var data = try suite(count: 2)
        for i in data.indices { data[i].adjacency = nil; data[i].edgeTypes = nil }
        let evaluator = Evaluator()
        let results = try evaluator.evaluate(TruthPredictor(), on: data)
        XCTAssertTrue(results.allSatisfy { $0.graph.isEmpty })
        let report = evaluator.report(results, suite: "real")
        XCTAssertTrue(report.graphMetricsSkipped)
        XCTAssertEqual(report.methods.map { $0.name }, ["model", "zero delta", "plug-in delta"])
        XCTAssertEqual(report.methods[0].overall["delta_mse"]?.mean ?? 1, 0, accuracy: 1e-10)
        XCTAssertNil(report.methods[0].overall["delta_mse_descendants"])
    }

    func testRefusesDatasetsLargerThanTheModel() throws {
        let data = try suite()
        XCTAssertThrowsError(try Evaluator().evaluate(TruthPredictor(maxNodes: 3), on: data)) {
            XCTAssertTrue("\($0)".contains("supports at most 3"), "\($0)")
        }
    }

    func testPlugInBaselineBeatsZeroDeltaOnInterventionalData() throws {
        let results = try Evaluator().evaluate(TruthPredictor(), on: try suite(count: 6))
        let report = Evaluator().report(results, suite: "s")
        let zero = report.methods.first { $0.name == "zero delta" }!.overall["delta_mse"]!.mean
        let plugIn = report.methods.first { $0.name == "plug-in delta" }!.overall["delta_mse"]!.mean
        XCTAssertLessThan(plugIn, zero)
    }

    func testCompareReadsAnEvalJSONFile() throws {
        let evaluator = Evaluator()
        var report = evaluator.report(try evaluator.evaluate(TruthPredictor(), on: try suite(count: 2)), suite: "s")
        report.step = 1234
        let url = URL(fileURLWithPath: temporaryPath("eval.json", folder: "evaluation"))
        try JSONEncoder().encode(report).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        let row = try RunComparison.load(url)
        XCTAssertEqual(row.steps, 1234)
        XCTAssertEqual(row.metrics["shd"]?.final, 0)
        XCTAssertEqual(row.metrics["auroc"]?.best, report.methods[0].overall["auroc"]?.mean)
    }
}
