import Foundation
import XCTest

/// python/pfn_torch.py (the PyTorch loader for users who live there) predicts what `pfn-train
/// predict` predicts on the same suite, for every variant, with and without the pair context,
/// both through the suite layout and through the AVICI-like `model(x, interv=mask)`. Skipped
/// where Python has no torch and h5py (the package itself never needs Python).
final class PythonLoaderTests: XCTestCase {
    func testPyTorchLoaderMatchesPredictForEveryVariant() throws {
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        probe.arguments = ["python3", "-c", "import torch, h5py, numpy"]
        probe.standardError = FileHandle.nullDevice
        try? probe.run()
        probe.waitUntilExit()
        try XCTSkipUnless(probe.terminationStatus == 0, "python3 with torch, h5py and numpy is not installed (pip install torch h5py)")

        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let p = try PFNTrainProcess(self)
        try p.runOK(["sample", "--count", "2", "--nodes", "5", "--seed", "9", "--out", "suite.h5",
                     "--observational-samples", "20", "--samples-per-regime", "12"])
        var pairs: [String] = []
        for (variant, pair) in [("A", true), ("B", false), ("C", true), ("D", false), ("D", true), ("E", true), ("A", false)] {
            let run = "\(variant)\(pair ? "-pair" : "")"
            try p.runOK(["--model", variant, "--steps", "3", "--run-name", run, pair ? "--pair-context" : "--no-pair-context"]
                        + PFNTrainProcess.tiny)
            try p.runOK(["predict", "--checkpoint", "checkpoints/\(run)/final.h5", "--data", "suite.h5",
                         "--out", "\(run).h5", "--threads", "1"])
            pairs += [p.path("checkpoints/\(run)/final.h5"), p.path("\(run).h5")]
        }
        let check = Process()
        check.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        check.arguments = ["python3", repo.appendingPathComponent("python/pfn_torch.py").path, "check", p.path("suite.h5")]
            + pairs  // every row, predict's default
        let pipe = Pipe()
        check.standardOutput = pipe
        check.standardError = pipe
        try check.run()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        check.waitUntilExit()
        XCTAssertEqual(check.terminationStatus, 0, text)
        XCTAssertEqual(text.components(separatedBy: "worst").count - 1, 7, text)
    }
}
