import Foundation
import TestSupport
import XCTest

/// The committed pretrained models (models/<name>.h5, made by scripts/make-pretrained.sh):
/// each loads and predicts, on the committed sample (models/sample-n10/), the edge
/// probabilities committed beside it (models/<name>.expected.csv) within 1e-4. The same
/// pipeline runs on a freshly exported short run whether or not a model is committed.
final class PretrainedModelTests: XCTestCase {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let models = repo.appendingPathComponent("models")
    static let sample = models.appendingPathComponent("sample-n10").path
    static let tolerance = 1e-4

    /// The pipeline end to end on a short run: the script exports it (bf16, the storage whose
    /// reading differs most from the checkpoint's), writes the expected output and evaluates on n10; the check then reproduces
    /// the expected output, and catches a change of 1e-3 in one probability.
    func testMakePretrainedScriptOutputIsReproducedByThePretrainedCheck() throws {
        let p = try PFNTrainProcess(self)
        try p.runOK(["--model", "C", "--steps", "5", "--d-model", "16", "--heads", "2", "--layers", "1", "--feed-forward", "32",
                     "--nodes", "10", "--max-nodes", "12", "--batch", "4", "--observational-samples", "20",
                     "--samples-per-regime", "20", "--threads", "1"])
        let script = try runScript(["checkpoints/C/final.h5", "--out-dir", "shipped", "--dtype", "bf16", "--suites", "n10", "--threads", "1"], in: p)
        XCTAssertEqual(script.status, 0, script.output)
        XCTAssertTrue(script.output.contains("## held-out suite n10") && script.output.contains("| model"), script.output)
        XCTAssertTrue(script.output.contains("export (bf16) vs checkpoint"), script.output)

        let checked = try checkModels(in: p.path("shipped"), p)
        XCTAssertEqual(checked.map(\.name), ["pfn-C-default"])
        XCTAssertEqual(checked.first?.problems, [], "the script's own expected output must be reproduced")

        // Not vacuous: one probability moved by 1e-3 is caught.
        let expected = p.path("shipped/pfn-C-default.expected.csv")
        var lines = try String(contentsOfFile: expected, encoding: .utf8).split(separator: "\n").map(String.init)
        var cells = lines[1].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        cells[3] = String(format: "%.6f", Double(cells[3])! + 1e-3)
        lines[1] = cells.joined(separator: ",")
        try (lines.joined(separator: "\n") + "\n").write(toFile: expected, atomically: true, encoding: .utf8)
        XCTAssertEqual(try checkModels(in: p.path("shipped"), p).first?.problems.count, 1)
    }

    /// Skipped only while models/ holds no .h5 (the lead commits models/pfn-C-default.h5).
    func testCommittedPretrainedModelsReproduceTheirExpectedPredictions() throws {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: Self.models.path)) ?? []).filter { $0.hasSuffix(".h5") }
        try XCTSkipIf(names.isEmpty, "models/ has no .h5 yet: no committed pretrained model to check (scripts/make-pretrained.sh makes one)")
        let p = try PFNTrainProcess(self)
        let checked = try checkModels(in: Self.models.path, p)
        XCTAssertEqual(checked.count, names.count)
        for model in checked {
            XCTAssertEqual(model.problems, [], "models/\(model.name).h5")
            let size = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: Self.models.appendingPathComponent("\(model.name).h5").path)[.size] as? Int)
            XCTAssertLessThanOrEqual(size, 12_000_000, "models/\(model.name).h5 is over the 12 MB budget")
        }
    }

    /// Every <name>.h5 in `dir`: `predict` on the sample, compared with <name>.expected.csv
    /// cell by cell; the problems found (empty: reproduced).
    func checkModels(in dir: String, _ p: PFNTrainProcess) throws -> [(name: String, problems: [String])] {
        let names = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".h5") }.sorted()
        return try names.map { file in
            let name = String(file.dropLast(3))
            let expected = "\(dir)/\(name).expected.csv"
            guard FileManager.default.fileExists(atPath: expected) else { return (name, ["no \(name).expected.csv beside it"]) }
            try p.runOK(["predict", "--checkpoint", "\(dir)/\(file)", "--data", Self.sample, "--csv", "\(name).got.csv", "--threads", "1"])
            return (name, try differences(p.path("\(name).got.csv"), expected))
        }
    }

    /// The cells of two probability tables (header + one row per parent) that differ by more
    /// than the tolerance, or differ in their labels.
    func differences(_ got: String, _ want: String) throws -> [String] {
        func table(_ path: String) throws -> [[String]] {
            try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
                .map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        }
        let (a, b) = (try table(got), try table(want))
        guard a.count == b.count, a.first == b.first, a.map(\.count) == b.map(\.count), a.map(\.first) == b.map(\.first) else {
            return ["the tables differ in shape or node names: \(a.first ?? []) vs \(b.first ?? [])"]
        }
        var problems: [String] = []
        for i in 1..<a.count {
            for j in 1..<a[i].count {
                guard let x = Double(a[i][j]), let y = Double(b[i][j]), abs(x - y) <= Self.tolerance else {
                    problems.append("\(a[i][0]) -> \(a[0][j]): \(a[i][j]), expected \(b[i][j])")
                    continue
                }
            }
        }
        return problems
    }

    /// scripts/make-pretrained.sh with this build's binary, in the test's folder.
    func runScript(_ args: [String], in p: PFNTrainProcess) throws -> (status: Int32, output: String) {
        runProcess("/bin/bash", [Self.repo.appendingPathComponent("scripts/make-pretrained.sh").path] + args,
                   environment: ["PFN_TRAIN": try PFNTrainProcess.binary().path], directory: p.directory)
    }
}
