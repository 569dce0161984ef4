import Foundation
import HDF5Kit
import XCTest

/// Ctrl-C (SIGINT) stops a run cleanly: it finishes the current step, writes step-<k>.h5 and
/// the log, and exits with status 130 (128 + SIGINT, what shells report for Ctrl-C).
final class InterruptTests: XCTestCase {
    func testInterruptSavesACheckpointAndTheLog() throws {
        let p = try PFNTrainProcess(self)
        // Far more steps than can finish before the signal arrives.
        let (process, stdout, _) = try p.start(["--model", "A", "--steps", "1000000", "--log-every", "1000000",
                                                "--checkpoint-every", "0"] + PFNTrainProcess.tiny)
        defer { if process.isRunning { process.terminate() } }

        // The first log line (step 1) shows the loop is running and the handler is installed.
        let deadline = Date().addingTimeInterval(30)
        while !((try? String(contentsOf: stdout, encoding: .utf8))?.contains("step 1/") ?? false) {
            XCTAssertTrue(process.isRunning, "pfn-train exited before logging step 1")
            guard process.isRunning, Date() < deadline else { return XCTFail("no log line within 30 s") }
            usleep(20_000)
        }
        kill(process.processIdentifier, SIGINT)
        let exitDeadline = Date().addingTimeInterval(30)
        while process.isRunning && Date() < exitDeadline { usleep(20_000) }
        XCTAssertFalse(process.isRunning, "pfn-train did not stop within 30 s of SIGINT")
        process.waitUntilExit()

        XCTAssertEqual(process.terminationReason, .exit, "pfn-train was killed by the signal instead of handling it")
        XCTAssertEqual(process.terminationStatus, 130)
        let checkpoints = try FileManager.default.contentsOfDirectory(atPath: p.path("checkpoints/A"))
        let saved = checkpoints.filter { $0.hasPrefix("step-") && $0.hasSuffix(".h5") }
        XCTAssertEqual(saved.count, 1, "expected one step-<k>.h5, found \(checkpoints)")
        XCTAssertFalse(checkpoints.contains("final.h5"), "an interrupted run has no final.h5")
        let name = try XCTUnwrap(saved.first)
        let k = try XCTUnwrap(Int(name.dropFirst("step-".count).dropLast(".h5".count)), name)
        XCTAssertGreaterThanOrEqual(k, 1)
        XCTAssertEqual(try H5File.open(p.path("checkpoints/A/\(name)")).root.attribute("step", as: Int64.self), Int64(k))

        let log = try p.log("logs/A.json")   // fails unless valid JSON
        XCTAssertEqual(try p.series(log, "step").first, 1)
        XCTAssertNotNil(log["config"] as? [String: Any], "the log keeps the run's config")

        // The interrupted checkpoint carries everything a resume needs.
        try p.runOK(["--resume", "checkpoints/A/\(name)", "--steps", "\(k + 2)", "--threads", "1"])
        XCTAssertTrue(p.exists("checkpoints/A/final.h5"))
        XCTAssertEqual(try p.series(try p.log("logs/A.json"), "step").last, Double(k + 2))
    }
}
