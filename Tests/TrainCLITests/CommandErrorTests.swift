import Foundation
import XCTest

/// Bad input: `pfn-train` exits non-zero with one error line that names the problem, and
/// leaves every file that already exists (an earlier run's log and checkpoints) untouched.
final class CommandErrorTests: XCTestCase {
    /// A folder holding one finished tiny run of model A (logs/A.json, checkpoints/A/…).
    func folderWithRun() throws -> PFNTrainProcess {
        let p = try PFNTrainProcess(self)
        try p.runOK(["--model", "A", "--steps", "2", "--log-every", "1", "--checkpoint-every", "1"] + PFNTrainProcess.tiny)
        XCTAssertTrue(p.exists("checkpoints/A/step-1.h5") && p.exists("checkpoints/A/final.h5") && p.exists("logs/A.json"))
        return p
    }

    /// Runs `args` in `p` and checks: non-zero exit, exactly one `Error:` line containing
    /// every key word (case-insensitive), no files created, changed or removed.
    func assertRefused(_ p: PFNTrainProcess, _ args: [String], mentions words: [String],
                       file: StaticString = #filePath, line: UInt = #line) throws {
        let before = p.snapshot()
        let r = try p.run(args)
        XCTAssertNotEqual(r.status, 0, "pfn-train \(args.joined(separator: " ")) succeeded; it should refuse",
                          file: file, line: line)
        XCTAssertEqual(r.errorLines.count, 1, "expected one error line, got stderr:\n\(r.stderr)", file: file, line: line)
        let message = (r.errorLines.first ?? "").lowercased()
        for word in words {
            XCTAssertTrue(message.contains(word.lowercased()), "the error does not mention '\(word)': \(message)",
                          file: file, line: line)
        }
        let after = p.snapshot()
        XCTAssertEqual(Set(after.keys), Set(before.keys), "files were created or removed", file: file, line: line)
        for (name, data) in before where after[name] != data {
            XCTFail("\(name) changed although the command failed", file: file, line: line)
        }
    }

    func testUnknownModelIsRefused() throws {
        let p = try folderWithRun()
        try assertRefused(p, ["--model", "Z", "--steps", "2"] + PFNTrainProcess.tiny, mentions: ["--model", "'Z'", "'A', 'B', 'C', 'D' or 'E'"])
    }

    func testZeroStepsIsRefused() throws {
        let p = try folderWithRun()
        try assertRefused(p, ["--model", "A", "--steps", "0"] + PFNTrainProcess.tiny, mentions: ["--steps", "at least 1"])
    }

    func testInvertedNodeRangeIsRefused() throws {
        let p = try folderWithRun()
        try assertRefused(p, ["--model", "A", "--steps", "2", "--nodes-min", "30", "--nodes-max", "20"],
                          mentions: ["--nodes-min", "--nodes-max", "30", "20"])
    }

    func testUnwritableLogFolderIsRefused() throws {
        let p = try folderWithRun()
        try Data("not a folder".utf8).write(to: URL(fileURLWithPath: p.path("blocker")))
        try assertRefused(p, ["--model", "A", "--steps", "2", "--log-dir", "blocker/logs"] + PFNTrainProcess.tiny,
                          mentions: ["blocker/logs", "--log-dir", "is a file"])
    }

    /// The log folder is new and fine, the checkpoint folder is not: the refused run must not
    /// leave the new (empty) log folder behind either.
    func testUnwritableCheckpointFolderIsRefused() throws {
        let p = try folderWithRun()
        try Data("not a folder".utf8).write(to: URL(fileURLWithPath: p.path("blocker")))
        try assertRefused(p, ["--model", "A", "--steps", "2", "--log-dir", "newlogs", "--checkpoint-dir", "blocker/ckpt"]
                          + PFNTrainProcess.tiny, mentions: ["blocker/ckpt", "--checkpoint-dir", "is a file"])
        XCTAssertFalse(p.exists("newlogs"))
    }

    /// A resumed run keeps its checkpoint's config; a flag that would change it is refused,
    /// not silently ignored.
    func testResumeFlagsThatContradictTheCheckpointAreRefused() throws {
        let p = try folderWithRun()
        try assertRefused(p, ["--resume", "checkpoints/A/final.h5", "--steps", "4", "--lr", "0.01"],
                          mentions: ["--lr 0.01", "checkpoint has 0.0001"])
        try assertRefused(p, ["--resume", "checkpoints/A/final.h5", "--steps", "4", "--nodes", "6"],
                          mentions: ["--nodes-max 6", "--nodes-min 6"])
        try assertRefused(p, ["--resume", "checkpoints/A/final.h5", "--steps", "4", "--stream", "sequential"],
                          mentions: ["--stream"])
        // Restating the checkpoint's own settings is no contradiction.
        try p.runOK(["--resume", "checkpoints/A/final.h5", "--steps", "3", "--nodes", "5", "--batch", "4", "--threads", "1"])
    }

    func testResumingAnotherVariantsCheckpointIsRefused() throws {
        let p = try folderWithRun()
        try assertRefused(p, ["--model", "B", "--resume", "checkpoints/A/step-1.h5", "--steps", "4"],
                          mentions: ["--model B", "model A"])
    }

    func testResumingAMissingCheckpointIsRefused() throws {
        let p = try folderWithRun()
        try assertRefused(p, ["--resume", "checkpoints/A/step-7.h5", "--steps", "4"],
                          mentions: ["--resume", "checkpoints/A/step-7.h5"])
    }

    func testResumingPastTheRequestedStepsIsRefused() throws {
        let p = try folderWithRun()
        try assertRefused(p, ["--resume", "checkpoints/A/final.h5", "--steps", "2"], mentions: ["step 2", "--steps"])
    }

    func testResumingAFileThatIsNoCheckpointIsRefused() throws {
        let p = try folderWithRun()
        try assertRefused(p, ["--resume", "logs/A.json", "--steps", "4"], mentions: ["--resume", "logs/A.json", "not an HDF5 file"])
    }
}
