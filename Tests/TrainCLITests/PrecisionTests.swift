import Foundation
import XCTest

/// `--precision {fp32,bf16}`: stored in the run's config, kept by a resumed run, refused when
/// a resumed command line contradicts it.
extension CommandErrorTests {
    func testUnknownPrecisionIsRefused() throws {
        let p = try folderWithRun()
        try assertRefused(p, ["--model", "A", "--steps", "2", "--precision", "fp16", "--run-name", "x"] + PFNTrainProcess.tiny,
                          mentions: ["--precision", "'fp16'", "'fp32' and 'bf16'"])
    }

    /// The folder's run trained with the default (bf16).
    func testResumingABF16RunInFP32IsRefused() throws {
        let p = try folderWithRun()
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
    }
}
