import Foundation
import XCTest

/// A run never overwrites an earlier one: the same command twice makes runs A and A-2.
final class RunNamingTests: XCTestCase {
    func testSameCommandTwiceMakesASecondRun() throws {
        let p = try PFNTrainProcess(self)
        let args = ["--model", "A", "--steps", "2", "--log-every", "1", "--checkpoint-every", "0"] + PFNTrainProcess.tiny
        try p.runOK(args)
        let firstLog = p.contents("logs/A.json"), firstCheckpoint = p.contents("checkpoints/A/final.h5")
        XCTAssertNotNil(firstLog)
        XCTAssertNotNil(firstCheckpoint)

        try p.runOK(args)
        XCTAssertTrue(p.exists("logs/A-2.json"), "the second run's log")
        XCTAssertTrue(p.exists("checkpoints/A-2/final.h5"), "the second run's checkpoint")
        XCTAssertEqual(p.contents("logs/A.json"), firstLog, "the first run's log was rewritten")
        XCTAssertEqual(p.contents("checkpoints/A/final.h5"), firstCheckpoint, "the first run's checkpoint was rewritten")

        try p.runOK(args)
        XCTAssertTrue(p.exists("logs/A-3.json") && p.exists("checkpoints/A-3/final.h5"), "a third run is A-3")
    }

    /// A resumed run keeps its name: its log and checkpoints stay together.
    func testResumingUnderAnotherRunNameIsRefused() throws {
        let p = try PFNTrainProcess(self)
        try p.runOK(["--model", "A", "--steps", "2", "--checkpoint-every", "0"] + PFNTrainProcess.tiny)
        let before = p.snapshot()
        let r = try p.run(["--resume", "checkpoints/A/final.h5", "--steps", "4", "--run-name", "other"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("--run-name other") && r.stderr.contains("keeps its name"), r.stderr)
        XCTAssertEqual(p.snapshot(), before, "a refused resume changed files")
    }

    /// A checkpoint folder without a log (e.g. the log was moved away) still reserves the name.
    func testALeftoverCheckpointFolderReservesTheName() throws {
        let p = try PFNTrainProcess(self)
        try FileManager.default.createDirectory(atPath: p.path("checkpoints/B"), withIntermediateDirectories: true)
        try p.runOK(["--model", "B", "--steps", "1", "--checkpoint-every", "0"] + PFNTrainProcess.tiny)
        XCTAssertTrue(p.exists("logs/B-2.json"))
        XCTAssertFalse(p.exists("logs/B.json"))
    }

    func testAnExplicitRunNameThatIsTakenIsRefused() throws {
        let p = try PFNTrainProcess(self)
        let args = ["--model", "A", "--steps", "1", "--run-name", "mine"] + PFNTrainProcess.tiny
        try p.runOK(args)
        let log = p.contents("logs/mine.json")
        let r = try p.run(args)
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.errorLines.first?.contains("'mine' exists") ?? false, r.stderr)
        XCTAssertEqual(p.contents("logs/mine.json"), log)
    }
}
