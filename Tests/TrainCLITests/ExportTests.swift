import Foundation
import HDF5Kit
import NN
import XCTest

/// `pfn-train export --weights-only`: the model alone, which every reader of models accepts
/// with the checkpoint's predictions (fp32 bit for bit, bf16 within `bf16Tolerance`), smaller
/// than the checkpoint, and refused by --resume.
final class ExportTests: XCTestCase {
    /// Largest |edge probability| change from bf16 parameters that the README and
    /// file-formats.md promise (measured on these tiny runs: about 3e-3).
    static let bf16Tolerance: Float = 0.02

    /// A short run of model C with version-2 pair features (every parameter kind: encoder,
    /// transformer, pair context), its fp32 and bf16 exports, and a suite to predict on.
    func exported(_ p: PFNTrainProcess) throws {
        try p.runOK(["--model", "C", "--steps", "6", "--pair-features", "2"] + PFNTrainProcess.tiny)
        try p.runOK(["sample", "--count", "3", "--nodes", "5", "--seed", "4", "--out", "suite.h5",
                     "--observational-samples", "20", "--samples-per-regime", "20"])
        for dtype in ["fp32", "bf16"] {
            let r = try p.runOK(["export", "--weights-only", "checkpoints/C/final.h5", "--out", "C-\(dtype).h5", "--dtype", dtype])
            XCTAssertTrue(r.stdout.contains("wrote C-\(dtype).h5"), r.stdout)
        }
    }

    /// Every dataset's edge probabilities and deltas of `predict --out` on the suite.
    func predictions(_ p: PFNTrainProcess, _ checkpoint: String) throws -> [String: [Float]] {
        let out = "pred-\(URL(fileURLWithPath: checkpoint).deletingPathExtension().lastPathComponent).h5"
        try p.runOK(["predict", "--checkpoint", checkpoint, "--data", "suite.h5", "--out", out, "--threads", "1"])
        let g = try H5File.open(p.path(out)).root.openGroup("datasets")
        var values: [String: [Float]] = [:]
        for name in try g.childNames() {
            for key in ["edge_probability", "edge_probability_per_regime", "delta"] {
                values["\(name)/\(key)"] = try g.read("\(name)/\(key)", as: Float.self).data
            }
        }
        return values
    }

    func testPredictFromExportsMatchesTheCheckpoint() throws {
        let p = try PFNTrainProcess(self)
        try exported(p)
        let full = try predictions(p, "checkpoints/C/final.h5")
        let fp32 = try predictions(p, "C-fp32.h5"), bf16 = try predictions(p, "C-bf16.h5")
        XCTAssertEqual(Set(full.keys), Set(fp32.keys))
        for (key, want) in full {
            // Bit for bit, NaN (rows not predicted) included.
            XCTAssertEqual(fp32[key]!.map(\.bitPattern), want.map(\.bitPattern), "fp32 export: \(key)")
            guard key.hasSuffix("edge_probability") else { continue }
            let worst = zip(bf16[key]!, want).map { abs($0 - $1) }.max()!
            XCTAssertLessThanOrEqual(worst, Self.bf16Tolerance, "bf16 export: \(key)")
            XCTAssertGreaterThan(worst, 0, "bf16 parameters must change something: is the file really bf16? \(key)")
        }
    }

    func testEvalReadsTheExportsAsTheCheckpoint() throws {
        let p = try PFNTrainProcess(self)
        try exported(p)
        var tables: [String: String] = [:]
        for ckpt in ["checkpoints/C/final.h5", "C-fp32.h5", "C-bf16.h5"] {
            let r = try p.runOK(["eval", "--checkpoint", ckpt, "--data", "suite.h5", "--markdown", "--threads", "1"])
            tables[ckpt] = r.stdout
            XCTAssertTrue(r.stdout.contains("| model"), r.stdout)
        }
        XCTAssertEqual(tables["C-fp32.h5"], tables["checkpoints/C/final.h5"], "fp32: the same table")
    }

    func testWeightsOnlyFileHoldsParametersConfigAndProvenanceAndIsSmaller() throws {
        let p = try PFNTrainProcess(self)
        try exported(p)
        let source = try H5File.open(p.path("checkpoints/C/final.h5")).root
        let full = try p.datasets("checkpoints/C/final.h5", group: "params")
        for dtype in ["fp32", "bf16"] {
            let root = try H5File.open(p.path("C-\(dtype).h5")).root
            XCTAssertEqual(try root.stringAttribute("format"), "pfn-checkpoint")
            XCTAssertEqual(try root.stringAttribute("contents"), "weights-only")
            XCTAssertEqual(try root.stringAttribute("param_dtype"), dtype == "fp32" ? "float32" : "bfloat16")
            XCTAssertEqual(try root.stringAttribute("model"), "C")
            XCTAssertEqual(try root.attribute("step", as: Int64.self), 6)
            XCTAssertEqual(try root.stringAttribute("config"), try source.stringAttribute("config"), "the run config, provenance included")
            XCTAssertEqual(try root.childNames(), ["params"], "no optimizer, generator or stream state")
            let export = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(XCTUnwrap(root.stringAttribute("export")).utf8)) as? [String: Any])
            XCTAssertEqual(export["source"] as? String, "checkpoints/C/final.h5")
            XCTAssertEqual(export["source_step"] as? Int, 6)
            XCTAssertNotNil(export["version"] as? String)
            XCTAssertNotNil(export["commit"] as? String)
            let params = try root.openGroup("params")
            XCTAssertEqual(Set(try params.childNames()), Set(full.keys), "the checkpoint's state_dict keys")
            for key in full.keys {
                XCTAssertEqual(try params.storedClass(of: key), .float(bytes: dtype == "fp32" ? 4 : 2), key)
                let stored = try params.read(key, as: Float.self).data.map(\.bitPattern)
                let want = full[key]!.map { UInt32($0) }
                // bf16: each value is the float32's nearest bfloat16 (ties to even).
                XCTAssertEqual(stored, dtype == "fp32" ? want : want.map { bfloat16Value(bfloat16Bits(Float(bitPattern: $0))).bitPattern }, key)
            }
        }
        func size(_ f: String) throws -> Int { try XCTUnwrap(FileManager.default.attributesOfItem(atPath: p.path(f))[.size] as? Int) }
        let (ckpt, fp32, bf16) = (try size("checkpoints/C/final.h5"), try size("C-fp32.h5"), try size("C-bf16.h5"))
        XCTAssertLessThan(Double(fp32), 0.5 * Double(ckpt), "no AdamW moments: about a third of the checkpoint")
        XCTAssertLessThan(bf16, fp32, "bf16 is smaller")
        // Exporting an export: bf16 of the fp32 file is the same bf16 file's parameters.
        try p.runOK(["export", "--weights-only", "C-fp32.h5", "--out", "again.h5", "--dtype", "bf16"])
        XCTAssertEqual(try p.datasets("again.h5", group: "params"), try p.datasets("C-bf16.h5", group: "params"))
    }

    /// bfloat16 rounding: to nearest, ties to even, exact for representable values.
    func testBFloat16RoundingIsNearestTiesToEven() {
        XCTAssertEqual(bfloat16Bits(1), 0x3F80)
        XCTAssertEqual(bfloat16Value(bfloat16Bits(-2.5)), -2.5)
        XCTAssertEqual(bfloat16Bits(Float(bitPattern: 0x3F80_8000)), 0x3F80, "a tie rounds to the even 0x3F80")
        XCTAssertEqual(bfloat16Bits(Float(bitPattern: 0x3F81_8000)), 0x3F82, "a tie rounds to the even 0x3F82")
        XCTAssertEqual(bfloat16Bits(Float(bitPattern: 0x3F80_8001)), 0x3F81, "above the tie rounds up")
        XCTAssertEqual(bfloat16Value(bfloat16Bits(.pi)), 3.140625)
    }

    func testResumeFromAWeightsOnlyFileIsRefusedInOneLine() throws {
        let p = try PFNTrainProcess(self)
        try exported(p)
        for dtype in ["fp32", "bf16"] {
            try assertExportRefused(p, ["--resume", "C-\(dtype).h5", "--steps", "8", "--threads", "1"],
                                    mentions: ["C-\(dtype).h5", "weights-only", "cannot be resumed"])
        }
    }

    func testBadInputIsRefusedInOneLineAndOverwritesNothing() throws {
        let p = try PFNTrainProcess(self)
        try exported(p)
        try Data("an earlier file".utf8).write(to: URL(fileURLWithPath: p.path("keep.h5")))
        try Data("not hdf5".utf8).write(to: URL(fileURLWithPath: p.path("notes.txt")))
        try FileManager.default.createDirectory(atPath: p.path("folder"), withIntermediateDirectories: true)
        let cases: [([String], [String])] = [
            (["--weights-only", "missing.h5", "--out", "keep.h5"], ["missing.h5", "no such file"]),
            (["--weights-only", "notes.txt", "--out", "keep.h5"], ["notes.txt", "not an HDF5 file"]),
            (["--weights-only", "suite.h5", "--out", "keep.h5"], ["suite.h5", "not a pfn-train checkpoint"]),
            (["--weights-only", "checkpoints/C/final.h5", "--out", "folder"], ["--out", "folder", "is a folder"]),
            (["--weights-only", "C-fp32.h5", "--out", "./C-fp32.h5"], ["--out", "is the --weights-only file"]),
            (["--weights-only", "checkpoints/C/final.h5", "--out", "keep.h5", "--dtype", "fp16"], ["--dtype", "fp16"]),
            (["--out", "keep.h5"], ["--weights-only"]),
        ]
        for (args, words) in cases {
            try assertExportRefused(p, ["export"] + args, mentions: words)
        }
    }

    /// --delta-correction-bound puts the bound into the exported config, for models trained
    /// without one: the graph is untouched, the deltas change (0.01 std binds on a 6-step head),
    /// the provenance says so; a model without the plug-in delta is refused.
    func testExportCanBoundTheDeltaCorrection() throws {
        let p = try PFNTrainProcess(self)
        try p.runOK(["--model", "C", "--steps", "6", "--delta-correction-bound", "0", "--run-name", "free"] + PFNTrainProcess.tiny)
        try p.runOK(["sample", "--count", "2", "--nodes", "5", "--seed", "4", "--out", "suite.h5",
                     "--observational-samples", "20", "--samples-per-regime", "20"])
        try p.runOK(["export", "--weights-only", "checkpoints/free/final.h5", "--out", "bounded.h5", "--delta-correction-bound", "0.01"])
        let root = try H5File.open(p.path("bounded.h5")).root
        let config = try XCTUnwrap(try root.stringAttribute("config"))
        let model = try XCTUnwrap((try JSONSerialization.jsonObject(with: Data(config.utf8)) as? [String: Any])?["model"] as? [String: Any])
        XCTAssertEqual(model["deltaCorrectionBound"] as? Double ?? 0, 0.01, accuracy: 1e-9)
        XCTAssertTrue(try XCTUnwrap(try root.stringAttribute("export")).contains("delta_correction_bound"))
        let source = try predictions(p, "checkpoints/free/final.h5"), bounded = try predictions(p, "bounded.h5")
        for (key, want) in source where key.contains("edge_probability") {
            XCTAssertEqual(bounded[key]!.map(\.bitPattern), want.map(\.bitPattern), key)
        }
        let deltaKeys = source.keys.filter { $0.hasSuffix("delta") }
        XCTAssertTrue(deltaKeys.contains { bounded[$0]! != source[$0]! }, "the bound changed no delta")
        try p.runOK(["--model", "A", "--steps", "2", "--no-pair-context", "--run-name", "plain"] + PFNTrainProcess.tiny)
        try assertExportRefused(p, ["export", "--weights-only", "checkpoints/plain/final.h5", "--out", "x.h5", "--delta-correction-bound", "1"],
                                mentions: ["--delta-correction-bound", "plug-in"])
    }

    /// A PyTorch-style checkpoint (/params and the variant only): the export writes the config
    /// that loading inferred from the shapes, and predicts as the source does.
    func testExportOfAConfiglessCheckpointRecordsTheInferredConfig() throws {
        let p = try PFNTrainProcess(self)
        try p.runOK(["--model", "A", "--steps", "3", "--no-pair-context"] + PFNTrainProcess.tiny)
        try p.runOK(["sample", "--count", "2", "--nodes", "5", "--seed", "4", "--out", "suite.h5",
                     "--observational-samples", "20", "--samples-per-regime", "20"])
        let trained = try Checkpoint.read(p.path("checkpoints/A/final.h5"))
        var bare = Checkpoint(model: "A", parameters: [])
        bare.params = trained.params
        try bare.write(to: p.path("torch.h5"))
        try p.runOK(["export", "--weights-only", "torch.h5", "--out", "torch-fp32.h5"])
        let config = try XCTUnwrap(try H5File.open(p.path("torch-fp32.h5")).root.stringAttribute("config"))
        let model = try XCTUnwrap((try JSONSerialization.jsonObject(with: Data(config.utf8)) as? [String: Any])?["model"] as? [String: Any])
        XCTAssertEqual(model["dModel"] as? Int, 16)
        XCTAssertEqual(model["heads"] as? Int, 4, "no config: the notebook's head count, as loading the source assumes")
        let source = try predictions(p, "torch.h5"), export = try predictions(p, "torch-fp32.h5")
        for (key, want) in source { XCTAssertEqual(export[key]!.map(\.bitPattern), want.map(\.bitPattern), key) }
    }
}

/// Runs `args` and checks: non-zero exit, one `Error:` line mentioning every word
/// (case-insensitive), and no file created, changed or removed.
func assertExportRefused(_ p: PFNTrainProcess, _ args: [String], mentions words: [String],
                         file: StaticString = #filePath, line: UInt = #line) throws {
    let before = p.snapshot()
    let r = try p.run(args)
    XCTAssertNotEqual(r.status, 0, "pfn-train \(args.joined(separator: " ")) succeeded; it should refuse", file: file, line: line)
    XCTAssertEqual(r.errorLines.count, 1, "expected one error line, got stderr:\n\(r.stderr)", file: file, line: line)
    let message = (r.errorLines.first ?? "").lowercased()
    for word in words where !message.contains(word.lowercased()) {
        XCTFail("the error does not mention '\(word)': \(message)", file: file, line: line)
    }
    let after = p.snapshot()
    XCTAssertEqual(Set(after.keys), Set(before.keys), "files were created or removed", file: file, line: line)
    for (name, data) in before where after[name] != data { XCTFail("\(name) changed although the command failed", file: file, line: line) }
}
