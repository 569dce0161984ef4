import Foundation
import XCTest

/// `pfn-train --resume` continues a run exactly, end to end through the command line: stopping
/// at step 10 and resuming to 20 must give the same bits as never stopping. The library's
/// resume (streams, variants, old checkpoint layouts) is specified in-process by
/// TrainingTests/ResumeTests; this checks the command's wiring of it.
final class ResumeTests: XCTestCase {
    /// Run 20 steps in one go in one folder; in another, 10 steps, then `--resume final.h5
    /// --steps 20`. The two final checkpoints and the two logs' losses must be identical.
    func checkStopAndResume(_ model: String, _ extra: [String], file: StaticString = #filePath, line: UInt = #line) throws {
        let common = ["--model", model, "--log-every", "1", "--checkpoint-every", "0"] + PFNTrainProcess.tiny + extra
        let straight = try PFNTrainProcess(self), split = try PFNTrainProcess(self)
        try straight.runOK(common + ["--steps", "20"], file: file, line: line)
        try split.runOK(common + ["--steps", "10"], file: file, line: line)
        let firstHalf = try split.datasets("checkpoints/\(model)/final.h5", group: "params")
        try split.runOK(["--resume", "checkpoints/\(model)/final.h5", "--steps", "20", "--threads", "1", "--log-every", "1"],
                        file: file, line: line)

        let final = "checkpoints/\(model)/final.h5"
        XCTAssertNotEqual(try split.datasets(final, group: "params"), firstHalf,
                          "the resumed run did not train (final.h5 still holds step 10)", file: file, line: line)
        try assertSameCheckpoint(straight, final, split, final, file: file, line: line)
        try assertSameLosses(straight.log("logs/\(model).json"), split.log("logs/\(model).json"), in: split,
                             file: file, line: line)
    }

    /// Every dataset of /params, /optim and /rng of two checkpoints, bit for bit.
    func assertSameCheckpoint(_ a: PFNTrainProcess, _ pathA: String, _ b: PFNTrainProcess, _ pathB: String,
                              file: StaticString, line: UInt) throws {
        for group in ["params", "optim", "rng", "stream"] {
            let x = try a.datasets(pathA, group: group), y = try b.datasets(pathB, group: group)
            XCTAssertFalse(x.isEmpty, "\(pathA) has no /\(group)", file: file, line: line)
            XCTAssertEqual(Set(x.keys), Set(y.keys), "/\(group) keys differ", file: file, line: line)
            let differing = x.keys.sorted().filter { x[$0] != y[$0] }
            XCTAssertEqual(differing, [], "/\(group) datasets differ after resuming", file: file, line: line)
        }
    }

    /// The resumed log has every step 1...20 once, and the same losses as the straight run.
    func assertSameLosses(_ straight: [String: Any], _ resumed: [String: Any], in p: PFNTrainProcess,
                          file: StaticString, line: UInt) throws {
        XCTAssertEqual(try p.series(resumed, "step"), (1...20).map(Double.init), "resumed log steps", file: file, line: line)
        for key in ["loss", "delta_mse", "dag_bce", "shd", "acyclicity"] {
            XCTAssertEqual(try p.series(resumed, key), try p.series(straight, key), "series '\(key)'", file: file, line: line)
        }
    }

    func testMixedStreamResumesExactly() throws {
        try checkStopAndResume("A", ["--stream", "mixed", "--seed", "3"])
    }

    /// Variant C draws Gumbel noise every step, and its temperature and a cosine learning rate
    /// depend on the step; resuming from step-10.h5 of the 20-step run itself must rewrite the
    /// same final.h5 and the same log rows 11...20 (the old rows past step 10 are dropped).
    func testGumbelVariantResumedFromIntermediateCheckpoint() throws {
        let p = try PFNTrainProcess(self)
        let args = ["--model", "C", "--steps", "20", "--log-every", "1", "--checkpoint-every", "10", "--seed", "6",
                    "--schedule", "cosine", "--warmup", "3", "--tau-start", "1", "--tau-end", "0.3", "--tau-anneal", "20"]
            + PFNTrainProcess.tiny
        try p.runOK(args)
        XCTAssertTrue(p.exists("checkpoints/C/step-10.h5"))
        try FileManager.default.createDirectory(atPath: p.path("kept"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: p.path("checkpoints/C/final.h5"), toPath: p.path("kept/final.h5"))
        try FileManager.default.copyItem(atPath: p.path("logs/C.json"), toPath: p.path("kept/C.json"))
        try FileManager.default.removeItem(atPath: p.path("checkpoints/C/final.h5"))

        try p.runOK(["--resume", "checkpoints/C/step-10.h5", "--steps", "20", "--threads", "1", "--log-every", "1"])
        try assertSameCheckpoint(p, "kept/final.h5", p, "checkpoints/C/final.h5", file: #filePath, line: #line)
        let resumed = try p.log("logs/C.json")
        try assertSameLosses(try p.log("kept/C.json"), resumed, in: p, file: #filePath, line: #line)
        XCTAssertEqual(try p.series(resumed, "tau"), try p.series(try p.log("kept/C.json"), "tau"))
        XCTAssertEqual(try p.series(resumed, "lr"), try p.series(try p.log("kept/C.json"), "lr"))
    }
}
