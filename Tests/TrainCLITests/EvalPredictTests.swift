import Foundation
import HDF5Kit
import SCMGen
import XCTest

/// `eval` and `predict` on a tiny trained checkpoint and a sampled suite: the predictions file
/// has the layout of file-formats.md §2, eval prints the baselines and writes JSON, a suite
/// without adjacency still gets delta metrics, and a suite larger than the model is refused.
final class EvalPredictTests: XCTestCase {
    func trained(_ p: PFNTrainProcess) throws {
        try p.runOK(["--model", "A", "--steps", "2", "--log-every", "1"] + PFNTrainProcess.tiny)
        try p.runOK(["sample", "--count", "3", "--nodes", "5", "--seed", "4", "--out", "suite.h5",
                     "--observational-samples", "20", "--samples-per-regime", "20"])
    }

    func testPredictWritesTheDocumentedLayout() throws {
        let p = try PFNTrainProcess(self)
        try trained(p)
        try p.runOK(["predict", "--checkpoint", "checkpoints/A/final.h5", "--data", "suite.h5", "--out", "pred.h5",
                     "--csv", "p.csv", "--threads", "1"])
        let root = try H5File.open(p.path("pred.h5")).root
        XCTAssertEqual(try root.stringAttribute("format"), "pfn-predictions")
        XCTAssertEqual(try root.attribute("format_version", as: Int64.self), 1)
        XCTAssertNotNil(try root.stringAttribute("model_config"))
        let suite = try H5File.open(p.path("suite.h5")).root.openGroup("datasets")
        let names = try suite.childNames()
        XCTAssertEqual(try root.openGroup("datasets").childNames(), names)
        for name in names {
            let g = try root.openGroup("datasets/\(name)")
            let k = try suite.shape(of: "\(name)/regime_targets")[0], r = try suite.shape(of: "\(name)/regime")[0]
            XCTAssertEqual(try g.shape(of: "edge_probability"), [5, 5])
            XCTAssertEqual(try g.shape(of: "edge_probability_per_regime"), [k, 5, 5])
            XCTAssertEqual(try g.shape(of: "delta"), [r, 5])
            XCTAssertEqual(try g.stringAttribute("aggregation"), "mean")
            let probs = try g.read("edge_probability", as: Float.self).data
            XCTAssertTrue(probs.allSatisfy { $0 >= 0 && $0 <= 1 }, "probabilities in [0, 1]")
        }
        let csv = try XCTUnwrap(String(data: try XCTUnwrap(p.contents("p.csv")), encoding: .utf8))
        XCTAssertEqual(csv.split(separator: "\n").count, 6, "a header and one row per node")
    }

    func testEvalReportsModelAndBaselinesAndWritesJSON() throws {
        let p = try PFNTrainProcess(self)
        try trained(p)
        let r = try p.runOK(["eval", "--checkpoint", "checkpoints/A/final.h5", "--data", "suite.h5", "--json", "e.json",
                             "--threads", "1"])
        for method in ["| model", "| empty graph", "| random graph", "| zero delta", "| plug-in delta"] {
            XCTAssertTrue(r.stdout.contains(method), "missing row \(method):\n\(r.stdout)")
        }
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: XCTUnwrap(p.contents("e.json"))) as? [String: Any])
        XCTAssertEqual(json["format"] as? String, "pfn-eval")
        XCTAssertEqual(json["dataset_count"] as? Int, 3)
    }

    func testEvalWithoutAdjacencySkipsGraphMetrics() throws {
        let p = try PFNTrainProcess(self)
        try trained(p)
        // Strip the true graph from the suite, as for real data.
        var datasets = try SCMSuiteFile.read(p.path("suite.h5"))
        for i in datasets.indices { datasets[i].adjacency = nil; datasets[i].edgeTypes = nil }
        try SCMSuiteFile.write(datasets, to: p.path("suite.h5"))
        let r = try p.runOK(["eval", "--checkpoint", "checkpoints/A/final.h5", "--data", "suite.h5", "--threads", "1"])
        XCTAssertTrue(r.stdout.contains("graph metrics were skipped"), r.stdout)
        XCTAssertTrue(r.stdout.contains("| plug-in delta"), r.stdout)
    }

    func testASuiteOfSeveralSizesGetsATableByGraphSize() throws {
        let p = try PFNTrainProcess(self)
        try trained(p)
        try p.runOK(["sample", "--count", "4", "--nodes-min", "3", "--nodes-max", "6", "--seed", "3", "--out", "mixed.h5"])
        let r = try p.runOK(["eval", "--checkpoint", "checkpoints/A/final.h5", "--data", "mixed.h5", "--threads", "1"])
        XCTAssertTrue(r.stdout.contains("By graph size"), r.stdout)
        let sizes = r.stdout.split(separator: "\n").filter { $0.hasPrefix("| ") && $0.contains("| model |") }
        XCTAssertGreaterThan(sizes.count, 1, "one model row per graph size:\n\(r.stdout)")
        let same = try p.runOK(["eval", "--checkpoint", "checkpoints/A/final.h5", "--data", "suite.h5", "--threads", "1"])
        XCTAssertFalse(same.stdout.contains("By graph size"), "a single-size suite needs no by-size table")
    }

    func testASuiteLargerThanTheModelIsRefused() throws {
        let p = try PFNTrainProcess(self)
        try trained(p)
        try p.runOK(["sample", "--count", "1", "--nodes", "12", "--seed", "4", "--out", "big.h5"])
        let r = try p.run(["eval", "--checkpoint", "checkpoints/A/final.h5", "--data", "big.h5", "--threads", "1"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("12 nodes") && r.stderr.contains("at most 8"), r.stderr)
    }
}
