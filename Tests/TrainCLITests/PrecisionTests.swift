import Foundation
import XCTest

/// `--precision {auto,fp32,bf16}`: auto (the default of new runs) times both on the model's
/// products and stores the concrete choice; stored in the run's config, kept by a resumed
/// run, refused when a resumed command line contradicts it.
extension CommandErrorTests {
    func testUnknownPrecisionIsRefused() throws {
        let p = try folderWithRun()
        try assertRefused(p, ["--model", "A", "--steps", "2", "--precision", "fp16", "--run-name", "x"] + PFNTrainProcess.tiny,
                          mentions: ["--precision", "'fp16'", "'auto', 'fp32' or 'bf16'"])
    }

    func testResumingABF16RunInFP32IsRefused() throws {
        let p = try PFNTrainProcess(self)
        try p.runOK(["--model", "A", "--steps", "2", "--precision", "bf16"] + PFNTrainProcess.tiny)
        try assertRefused(p, ["--resume", "checkpoints/A/final.h5", "--steps", "4", "--precision", "fp32"],
                          mentions: ["--precision fp32", "checkpoint has bf16"])
    }
}

extension ResumeTests {
    /// Large enough that the feed-forward products (128 rows × 256 × 64) take the bf16
    /// kernel; the resumed half runs in bf16 without restating the flag.
    func testBF16RunResumesExactlyAndRecordsItsPrecision() throws {
        try checkStopAndResume("A", ["--d-model", "64", "--feed-forward", "256", "--batch", "16", "--nodes", "8",
                                     "--precision", "bf16", "--seed", "5"])
        let p = try PFNTrainProcess(self)
        try p.runOK(["--model", "A", "--steps", "1"] + PFNTrainProcess.tiny + ["--precision", "bf16"])
        let train = (try p.log("logs/A.json")["config"] as? [String: Any])?["train"] as? [String: Any]
        XCTAssertEqual(train?["precision"] as? String, "bf16")
        XCTAssertNil(train?["precisionCalibration"], "a given precision is not calibrated")
    }

    /// The default `auto` times both precisions on products large enough for the bf16 kernel,
    /// prints one line, stores the choice and its timings; the resumed run keeps the choice
    /// without calibrating again (and accepts `--precision auto` restated).
    func testAutoPrecisionIsCalibratedOnceAndKeptOnResume() throws {
        let p = try PFNTrainProcess(self)
        let shape = ["--d-model", "64", "--feed-forward", "256", "--batch", "16", "--nodes", "8", "--heads", "2", "--layers", "1",
                     "--max-nodes", "8", "--observational-samples", "20", "--samples-per-regime", "20", "--threads", "1"]
        let first = try p.runOK(["--model", "A", "--steps", "1"] + shape)
        let line = first.stdout.split(separator: "\n").first { $0.hasPrefix("precision auto: ") }
        XCTAssertNotNil(line, first.stdout)
        let train = (try p.log("logs/A.json")["config"] as? [String: Any])?["train"] as? [String: Any]
        let chosen = try XCTUnwrap(train?["precision"] as? String)
        XCTAssertTrue(["fp32", "bf16"].contains(chosen))
        XCTAssertEqual(train?["precisionCalibration"] as? String, line.map(String.init))
        XCTAssertTrue(line?.hasPrefix("precision auto: \(chosen) (") ?? false)

        let resumed = try p.runOK(["--resume", "checkpoints/A/final.h5", "--steps", "2", "--precision", "auto"])
        XCTAssertFalse(resumed.stdout.contains("precision auto:"), resumed.stdout)
        let after = (try p.log("logs/A.json")["config"] as? [String: Any])?["train"] as? [String: Any]
        XCTAssertEqual(after?["precision"] as? String, chosen)
    }

    /// A model whose products all stay below the bf16 kernel's threshold runs fp32 either
    /// way: auto says so without timing anything.
    func testAutoPrecisionOfATinyModelIsFP32Untimed() throws {
        let p = try PFNTrainProcess(self)
        let r = try p.runOK(["--model", "A", "--steps", "1", "--no-pair-context"] + PFNTrainProcess.tiny)
        XCTAssertTrue(r.stdout.contains("precision auto: fp32 (no product of this model is large enough for the bf16 kernel)"), r.stdout)
        let train = (try p.log("logs/A.json")["config"] as? [String: Any])?["train"] as? [String: Any]
        XCTAssertEqual(train?["precision"] as? String, "fp32")
    }
}
