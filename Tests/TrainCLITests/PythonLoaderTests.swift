import Foundation
import TestSupport
import XCTest

/// python/pfn_torch.py (the PyTorch loader for users who live there) predicts what `pfn-train
/// predict` predicts on the same suite, for every variant, with and without the pair context,
/// both through the suite layout and through the AVICI-like `model(x, interv=mask)`; also pair
/// features version 2 and its weights-only exports (fp32 and bf16), a bounded delta correction. Skipped
/// where Python has no torch and h5py (the package itself never needs Python).
final class PythonLoaderTests: XCTestCase {
    func testPyTorchLoaderMatchesPredictForEveryVariant() throws {
        try XCTSkipUnless(runPython(["-c", "import torch, h5py, numpy"]).status == 0,
                          "python3 with torch, h5py and numpy is not installed (pip install torch h5py)")
        let repo = repositoryRoot
        let p = try PFNTrainProcess(self)
        try p.runOK(["sample", "--count", "2", "--nodes", "5", "--seed", "9", "--out", "suite.h5",
                     "--observational-samples", "20", "--samples-per-regime", "12"])
        var pairs: [String] = []
        func predicted(_ checkpoint: String, _ name: String) throws {
            try p.runOK(["predict", "--checkpoint", checkpoint, "--data", "suite.h5", "--out", "\(name).h5", "--threads", "1"])
            pairs += [p.path(checkpoint), p.path("\(name).h5")]
        }
        // (variant, pair features: 0 = no pair context)
        for (variant, features) in [("A", 1), ("B", 0), ("C", 1), ("D", 0), ("D", 1), ("E", 1), ("A", 0), ("C", 2)] {
            let run = "\(variant)\(features == 0 ? "" : "-pair")\(features == 2 ? "-v2" : "")"
            let pair = features == 0 ? ["--no-pair-context"] : ["--pair-context", "--pair-features", "\(features)"]
            try p.runOK(["--model", variant, "--steps", "3", "--run-name", run] + pair + PFNTrainProcess.tiny)
            try predicted("checkpoints/\(run)/final.h5", run)
        }
        // A bound small enough to bind on an untrained head's corrections.
        try p.runOK(["--model", "C", "--steps", "3", "--run-name", "C-bound", "--delta-correction-bound", "0.01"] + PFNTrainProcess.tiny)
        try predicted("checkpoints/C-bound/final.h5", "C-bound")
        // Weights-only exports of the version-2 model: the loader reads the bfloat16 file's
        // parameters as pfn-train does (widened exactly), so it matches predict on that file.
        for dtype in ["fp32", "bf16"] {
            try p.runOK(["export", "--weights-only", "checkpoints/C-pair-v2/final.h5", "--out", "C-v2-\(dtype).h5", "--dtype", dtype])
            try predicted("C-v2-\(dtype).h5", "C-v2-\(dtype)-pred")
        }
        let (status, text) = runPython([repo.appendingPathComponent("python/pfn_torch.py").path, "check", p.path("suite.h5")]
            + pairs)  // every row, predict's default
        XCTAssertEqual(status, 0, text)
        XCTAssertEqual(text.components(separatedBy: "worst").count - 1, 11, text)
    }
}
