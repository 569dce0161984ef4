import Foundation
import HDF5Kit
import XCTest

/// Issue 13, the command line's side: stop signals, option checks that run before anything is
/// created, outputs that may not overwrite inputs, and errors that are one clear line.
final class ReliabilityTests: XCTestCase {
    func assertCleanFailure(_ r: PFNTrainProcess.Result, _ fragments: [String], _ what: String,
                            file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertNotEqual(r.status, 0, "\(what) must fail", file: file, line: line)
        XCTAssertLessThan(r.status, 128, "\(what) ended by a signal:\n\(r.stderr)", file: file, line: line)
        XCTAssertEqual(r.errorLines.count, 1, "\(what): one error line, got:\n\(r.stderr)", file: file, line: line)
        XCTAssertFalse(r.stderr.contains("Error Domain") || r.stderr.contains("Fatal error"), "\(what):\n\(r.stderr)", file: file, line: line)
        for f in fragments {
            XCTAssertTrue(r.stderr.contains(f), "\(what): the error mentions \(f):\n\(r.stderr)", file: file, line: line)
        }
    }

    // D6
    func testSIGTERMAndSIGHUPSaveLikeCtrlCAndPrintTheResumeCommand() throws {
        for (signal, status) in [(SIGTERM, Int32(143)), (SIGHUP, Int32(129))] {
            let p = try PFNTrainProcess(self)
            let (process, stdout, _) = try p.start(["--model", "A", "--steps", "1000000", "--log-every", "1000000",
                                                    "--checkpoint-every", "0", "--log-dir", "lg"] + PFNTrainProcess.tiny)
            defer { if process.isRunning { process.terminate() } }
            let deadline = Date().addingTimeInterval(60)
            while !((try? String(contentsOf: stdout, encoding: .utf8))?.contains("step 1/") ?? false) {
                guard process.isRunning, Date() < deadline else { return XCTFail("no log line within 60 s") }
                usleep(20_000)
            }
            kill(process.processIdentifier, signal)
            process.waitUntilExit()
            XCTAssertEqual(process.terminationReason, .exit, "killed by signal \(signal) instead of handling it")
            XCTAssertEqual(process.terminationStatus, status)
            let out = try String(contentsOf: stdout, encoding: .utf8)
            let command = try XCTUnwrap(out.components(separatedBy: "resume with: ").last?.trimmingCharacters(in: .whitespacesAndNewlines))
            XCTAssertTrue(command.hasPrefix("pfn-train --resume checkpoints/A/step-") && command.contains("--log-dir lg"), out)
            // The printed command works (with a smaller --steps, to finish quickly).
            let args = Array(command.split(separator: " ").map(String.init).dropFirst())
            let k = try XCTUnwrap(Int(args[1].split(separator: "-").last!.dropLast(3)))
            try p.runOK(args + ["--steps", "\(k + 1)", "--threads", "1"])
            XCTAssertTrue(p.exists("checkpoints/A/final.h5"))
        }
    }

    // D7
    func testEvalAndPredictRefuseABadThreadCountAndCapAHugeOne() throws {
        let p = try PFNTrainProcess.withCheckpointAndSuite(self)
        let ck = PFNTrainProcess.trainedCheckpoint
        for threads in ["0", "-3"] {
            assertCleanFailure(try p.runReportingSignals(["eval", "--checkpoint", ck, "--data", "suite.h5", "--threads=\(threads)"]),
                               ["--threads"], "eval --threads \(threads)")
            assertCleanFailure(try p.runReportingSignals(["predict", "--checkpoint", ck, "--data", "suite.h5", "--out", "p.h5", "--threads=\(threads)"]),
                               ["--threads"], "predict --threads \(threads)")
        }
        let r = try p.runOK(["eval", "--checkpoint", ck, "--data", "suite.h5", "--threads", "100000"])
        XCTAssertTrue(r.stderr.contains("note: --threads 100000 is more than"), r.stderr)
    }

    // D10, D17
    func testBadFloatAndNegativeFlagsAreRefusedBeforeAnyFolderIsMade() throws {
        let p = try PFNTrainProcess(self)
        let bad = [["--lr", "inf"], ["--weight-decay", "nan"], ["--grad-clip", "nan"], ["--pair-lr-scale", "inf"], ["--tau-start", "inf"],
                   ["--feature-clip", "inf"], ["--delta-weight", "nan"], ["--dag-weight", "inf"], ["--acyclicity-weight", "nan"],
                   ["--sparsity-weight", "inf"], ["--tau-end", "nan"], ["--weight-decay=-1"], ["--grad-clip=-1"],
                   ["--schedule", "cosine", "--warmup=-5"], ["--acyclicity-warmup=-1"], ["--tau-anneal=-1"], ["--delta-weight=-1"]]
        for flags in bad {
            let model = flags.contains { $0.hasPrefix("--tau") } ? "C" : "A"
            let r = try p.run(["--model", model, "--steps", "2"] + PFNTrainProcess.tiny + flags)
            let last = flags.last!
            let option = last.contains("=") ? String(last.split(separator: "=")[0]) : flags[flags.count - 2]
            assertCleanFailure(r, [option], flags.joined(separator: " "))
        }
        XCTAssertFalse(p.exists("checkpoints") || p.exists("logs"), "a refused run created folders")
        try p.runOK(["--model", "A", "--steps", "1"] + PFNTrainProcess.tiny)
        XCTAssertTrue(p.exists("checkpoints/A/final.h5"), "the next run takes the plain name, not A-2")
    }

    // D18
    func testARunNameThatIsAPathIsRefused() throws {
        let p = try PFNTrainProcess(self)
        for name in ["../escape", "a/b", ".", ".."] {
            assertCleanFailure(try p.run(["--model", "A", "--steps", "1", "--run-name", name] + PFNTrainProcess.tiny),
                               ["plain name"], "--run-name \(name)")
        }
        XCTAssertEqual(p.snapshot().keys.filter { !$0.hasPrefix(".") }, [])
    }

    // D12, D24
    func testResumeRefusesContradictingFlagsEvenAtTheirDefaultsAndAcceptsRestatedOnes() throws {
        let p = try PFNTrainProcess(self)
        try p.runOK(["--model", "A", "--steps", "2", "--lr", "0.001", "--run-name", "nd"] + PFNTrainProcess.tiny)
        assertCleanFailure(try p.run(["--resume", "checkpoints/nd/final.h5", "--steps", "4", "--lr", "0.0001", "--batch", "32"]),
                           ["--lr 0.0001 (the checkpoint has 0.001)", "--batch 32"], "contradicting flags")
        try p.runOK(["--resume", "checkpoints/nd/final.h5", "--steps", "3", "--d-model", "16", "--heads", "2", "--lr", "0.001"]
                    + ["--threads", "1"])
    }

    // D22
    func testOutputsMayNotOverwriteInputs() throws {
        let p = try PFNTrainProcess.withCheckpointAndSuite(self)
        try FileManager.default.copyItem(atPath: p.path(PFNTrainProcess.trainedCheckpoint), toPath: p.path("c.h5"))
        let before = p.snapshot()
        assertCleanFailure(try p.run(["predict", "--checkpoint", "c.h5", "--data", "suite.h5", "--out", "./c.h5"]),
                           ["--out ./c.h5 is the --checkpoint file"], "predict --out = --checkpoint")
        assertCleanFailure(try p.run(["predict", "--checkpoint", "c.h5", "--data", "suite.h5", "--out", "suite.h5"]),
                           ["--out suite.h5 is the --data file"], "predict --out = --data")
        assertCleanFailure(try p.run(["eval", "--checkpoint", "c.h5", "--data", "suite.h5", "--json", "suite.h5"]),
                           ["--json suite.h5 is the --data file"], "eval --json = --data")
        XCTAssertEqual(p.snapshot(), before)
    }

    // D23
    func testFileErrorsAreOneClearLine() throws {
        let p = try PFNTrainProcess(self)
        try p.runOK(["--model", "A", "--steps", "2", "--log-every", "1"] + PFNTrainProcess.tiny)
        assertCleanFailure(try p.run(["plot", "logs/A.json", "--out", "nodir/p.svg"]), ["nodir/p.svg", "No such file"], "plot into a missing folder")
        FileManager.default.createFile(atPath: p.path("existing"), contents: Data("x".utf8))
        assertCleanFailure(try p.run(["sample", "--count", "1", "--nodes", "3", "--out", "s.h5", "--csv-dir", "existing"]),
                           ["--csv-dir existing is a file"], "sample --csv-dir onto a file")
        XCTAssertFalse(p.exists("s.h5"), "the suite was written before the refusal")
        FileManager.default.createFile(atPath: p.path("logs/A.json"), contents: Data("{\"step\": [1,".utf8))
        assertCleanFailure(try p.run(["--resume", "checkpoints/A/final.h5", "--steps", "4"]), ["logs/A.json"], "resume with a damaged log")
    }

    // D24
    func testADivergenceBeforeAnyCheckpointSaysSo() throws {
        let p = try PFNTrainProcess(self)
        let r = try p.run(["--model", "A", "--steps", "20", "--lr", "3e38", "--checkpoint-every", "1", "--run-name", "e"] + PFNTrainProcess.tiny)
        assertCleanFailure(r, ["non-finite", "no checkpoint was written"], "divergence at step 1")
        XCTAssertFalse(r.stderr.contains("is kept in"), r.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: p.path("checkpoints/e")), [])
    }

    // D15
    func testEvalRefusesACheckpointWhoseConfigCannotDescribeAModel() throws {
        let p = try PFNTrainProcess.withCheckpointAndSuite(self)
        try FileManager.default.copyItem(atPath: p.path(PFNTrainProcess.trainedCheckpoint), toPath: p.path("bad.h5"))
        try { // every handle released before the subprocess opens the file
            let file = try H5File.open(p.path("bad.h5"), writable: true)
            let root = try file.root
            let json = try XCTUnwrap(try root.stringAttribute("config"))
            try root.setAttribute("config", json.replacingOccurrences(of: "\"heads\":2", with: "\"heads\":3"))
            try file.close()
        }()
        assertCleanFailure(try p.runReportingSignals(["eval", "--checkpoint", "bad.h5", "--data", "suite.h5", "--threads", "1"]),
                           ["bad.h5", "head count 3"], "eval of heads = 3")
    }
}
