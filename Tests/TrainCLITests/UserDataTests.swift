import Evaluation
import Foundation
import HDF5Kit
import SCMGen
import XCTest

/// A researcher's own data in: CSV straight into predict and eval (node names flowing into
/// every output), import to a suite file, a built-in suite exported, and what is refused.
final class UserDataTests: XCTestCase {
    /// A tiny trained model A over 5-node graphs.
    func trained(_ p: PFNTrainProcess) throws {
        try p.runOK(["--model", "A", "--steps", "2", "--log-every", "1"] + PFNTrainProcess.tiny)
    }

    /// Layout (b): one table, node names in the header, a `target` column.
    func writeTable(_ p: PFNTrainProcess, name: String = "t.csv", interventional: Bool = true) throws {
        var lines = ["alpha,beta,gamma,delta,eps,target"]
        // No constant column: a constant node is only centred, so its scale would not cancel.
        for r in 0..<12 {
            let x = Double(r)
            lines.append("\(x * 0.1),\(-0.2 * x + Double(r % 2)),\(Double(r % 4) * 0.5),\(Double(r % 3)),\(1.5 - 0.1 * x * Double(r % 2)),")
        }
        if interventional {
            for r in 0..<6 { lines.append("5,\(Double(r)),0.25,1,2,alpha") }
            for r in 0..<6 { lines.append("\(Double(r)),8,0.25,1,2,beta") }
        }
        try (lines.joined(separator: "\n") + "\n").write(toFile: p.path(name), atomically: true, encoding: .utf8)
    }

    func testPredictReadsACSVTableAndCarriesItsNodeNames() throws {
        let p = try PFNTrainProcess(self)
        try trained(p)
        try writeTable(p)
        try p.runOK(["predict", "--checkpoint", "checkpoints/A/final.h5", "--data", "t.csv", "--out", "pred.h5",
                     "--csv-dir", "out", "--threads", "1"])
        let g = try H5File.open(p.path("pred.h5")).root.openGroup("datasets/000000")
        XCTAssertEqual(try g.stringsAttribute("node_names"), ["alpha", "beta", "gamma", "delta", "eps"])
        let probs = try g.read("edge_probability", as: Float.self).data
        XCTAssertEqual((0..<5).map { probs[$0 * 5 + $0] }, [0, 0, 0, 0, 0], "self-loop probabilities are 0")
        let delta = try g.read("delta", as: Float.self).data
        XCTAssertEqual(delta.count, 12 * 5)
        XCTAssertTrue(delta.allSatisfy(\.isFinite), "every interventional row gets its delta by default")
        let edges = try XCTUnwrap(p.contents("out/000000.edges.csv").map { String(decoding: $0, as: UTF8.self) })
        XCTAssertTrue(edges.hasPrefix("parent\\child,alpha,beta,gamma,delta,eps\n"), edges)
        let deltas = try XCTUnwrap(p.contents("out/000000.delta.csv").map { String(decoding: $0, as: UTF8.self) })
        XCTAssertEqual(deltas.split(separator: "\n").count, 13, "a header and one line per interventional row")
        XCTAssertTrue(deltas.split(separator: "\n")[1].hasPrefix("0,0,alpha,0,"), deltas)
        // The predicted graph: an edge list `eval --graph` reads back; scored against itself
        // (same items: every row, and made a DAG the same way) its SHD is 0.
        let graph = try XCTUnwrap(p.contents("out/000000.graph.csv").map { String(decoding: $0, as: UTF8.self) })
        XCTAssertTrue(graph.hasPrefix("source,target\n"), graph)
        let names = ["alpha", "beta", "gamma", "delta", "eps"]
        XCTAssertGreaterThan(graph.split(separator: "\n").count, 1, "the model predicts some edge here: \(graph)")
        for line in graph.split(separator: "\n").dropFirst() {
            let ends = line.split(separator: ",").map { names.firstIndex(of: String($0))! }
            XCTAssertGreaterThan(probs[ends[0] * 5 + ends[1]], 0.5, "\(line)")
        }
        try p.runOK(["eval", "--checkpoint", "checkpoints/A/final.h5", "--data", "t.csv", "--graph", "out/000000.graph.csv",
                     "--rows-per-regime", "0", "--acyclic", "--json", "self.json", "--threads", "1"])
        let report = try JSONDecoder().decode(EvaluationReport.self, from: XCTUnwrap(p.contents("self.json")))
        XCTAssertEqual(report.acyclic, true)
        XCTAssertEqual(report.methods.first?.overall.summaries["shd"]?.mean, 0)
    }

    func testStandardizedPredictionsAreInTheDataUnits() throws {
        let p = try PFNTrainProcess(self)
        try trained(p)
        try writeTable(p)
        // The same data in other units: every value × 100 + 500.
        let text = try XCTUnwrap(String(data: try XCTUnwrap(p.contents("t.csv")), encoding: .utf8))
        let scaled = text.split(separator: "\n").enumerated().map { k, line -> String in
            guard k > 0 else { return String(line) }
            let cells = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            return (cells.dropLast().map { String(Double($0)! * 100 + 500) } + [cells.last!]).joined(separator: ",")
        }.joined(separator: "\n") + "\n"
        try scaled.write(toFile: p.path("s.csv"), atomically: true, encoding: .utf8)
        for name in ["t", "s"] {
            try p.runOK(["predict", "--checkpoint", "checkpoints/A/final.h5", "--data", "\(name).csv", "--standardize",
                         "--out", "\(name).h5", "--threads", "1"])
        }
        func read(_ f: String, _ key: String) throws -> [Float] {
            try H5File.open(p.path(f)).root.openGroup("datasets/000000").read(key, as: Float.self).data
        }
        let (pt, ps) = (try read("t.h5", "edge_probability"), try read("s.h5", "edge_probability"))
        for k in pt.indices { XCTAssertEqual(pt[k], ps[k], accuracy: 1e-4, "z-scored data do not depend on the units") }
        let (dt, ds) = (try read("t.h5", "delta"), try read("s.h5", "delta"))
        for k in dt.indices { XCTAssertEqual(ds[k], 100 * dt[k], accuracy: 1e-2 * max(1, abs(100 * dt[k])), "deltas back in the data's units") }
    }

    func testObservationalOnlyDataIsRefusedWithAReason() throws {
        let p = try PFNTrainProcess(self)
        try trained(p)
        try writeTable(p, interventional: false)
        let r = try p.run(["predict", "--checkpoint", "checkpoints/A/final.h5", "--data", "t.csv", "--out", "pred.h5", "--threads", "1"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("no interventional rows"), r.stderr)
        XCTAssertFalse(p.exists("pred.h5"))
    }

    func testEvalOnACSVFolderWithAnEdgeListScoresTheGraphPerDataset() throws {
        let p = try PFNTrainProcess(self)
        try trained(p)
        try p.runOK(["sample", "--count", "2", "--nodes", "5", "--out", "s.h5", "--csv-dir", "folder",
                     "--observational-samples", "20", "--samples-per-regime", "20"])
        try "source,target\nX0,X1\n2,3\n".write(toFile: p.path("edges.csv"), atomically: true, encoding: .utf8)
        try FileManager.default.removeItem(atPath: p.path("folder/adjacency.csv"))
        try p.runOK(["eval", "--checkpoint", "checkpoints/A/final.h5", "--data", "folder", "--graph", "edges.csv",
                     "--json", "e.json", "--threads", "1"])
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: try XCTUnwrap(p.contents("e.json"))) as? [String: Any])
        let datasets = try XCTUnwrap(json["datasets"] as? [[String: Any]])
        XCTAssertEqual(datasets.count, 1)
        let values = try XCTUnwrap(datasets[0]["values"] as? [String: [String: Double]])
        XCTAssertEqual(values["empty graph"]?["shd"], 2, "the empty graph misses the edge list's two edges")
        XCTAssertNotNil(values["model"]?["auroc"])
    }

    /// `sample --csv` was the folder option's name before it became `--csv-dir` (predict's
    /// `--csv` names a file): scripts that use it still work; both at once is an error.
    func testSampleStillTakesTheOldNameOfCSVDir() throws {
        let p = try PFNTrainProcess(self)
        try p.runOK(["sample", "--count", "1", "--nodes", "4", "--out", "s.h5", "--csv", "old"])
        XCTAssertTrue(p.exists("old/observational.csv"))
        let r = try p.run(["sample", "--count", "1", "--nodes", "4", "--out", "t.h5", "--csv", "a", "--csv-dir", "b"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("--csv-dir"), r.stderr)
    }

    func testImportReadsBackWhatSampleWrites() throws {
        let p = try PFNTrainProcess(self)
        try p.runOK(["sample", "--count", "3", "--nodes", "6", "--seed", "7", "--out", "s.h5", "--csv-dir", "d1", "--csv-index", "1"])
        try p.runOK(["import", "d1", "--out", "imported.h5"])
        let original = try SCMSuiteFile.read(p.path("s.h5"))[1], imported = try SCMSuiteFile.read(p.path("imported.h5"))
        XCTAssertEqual(imported.count, 1)
        XCTAssertEqual(imported[0].observational, original.observational)
        XCTAssertEqual(imported[0].interventional, original.interventional)
        XCTAssertEqual(imported[0].adjacency, original.adjacency)
        XCTAssertEqual(imported[0].regimeTargets, original.regimeTargets)
    }

    func testSampleExportsABuiltinSuite() throws {
        let p = try PFNTrainProcess(self)
        try p.runOK(["sample", "--suite", "n10", "--out", "n10.h5"])
        let suite = try SCMSuiteFile.read(p.path("n10.h5"))
        XCTAssertEqual(suite.count, 20)
        XCTAssertTrue(suite.allSatisfy { $0.nodeCount == 10 })
        let r = try p.run(["sample", "--suite", "n10", "--count", "3", "--out", "x.h5"])
        XCTAssertNotEqual(r.status, 0, "a built-in suite has its own count")
    }
}
