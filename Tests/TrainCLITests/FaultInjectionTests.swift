import Foundation
import HDF5Kit
import XCTest

/// Issue 13, faults below the command line, through the real binary: bad suite data (D1, D20,
/// D21), a full disk or a file-size limit during HDF5 writes (D3), non-finite checkpoints
/// (D4), and more threads than the process may create (D8). Each ends in one clear error line
/// and a non-zero exit (or, for D8, a finished run), never a signal or silent NaN.
final class FaultInjectionTests: XCTestCase {
    func prepared() throws -> PFNTrainProcess { try PFNTrainProcess.withCheckpointAndSuite(self) }

    static let checkpoint = PFNTrainProcess.trainedCheckpoint

    func run(_ p: PFNTrainProcess, _ args: [String], timeout: Double = 300) throws -> PFNTrainProcess.Result {
        try p.runReportingSignals(args, timeout: timeout)
    }

    func runProcess(_ tool: String, _ args: [String], in p: PFNTrainProcess, timeout: Double = 300) throws -> PFNTrainProcess.Result {
        try p.runTool(tool, args, timeout: timeout)
    }

    /// Fails unless the run exited non-zero with exactly one error line containing `fragments`.
    func assertCleanFailure(_ r: PFNTrainProcess.Result, _ fragments: [String], _ what: String,
                            file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertNotEqual(r.status, 0, "\(what) must fail", file: file, line: line)
        XCTAssertLessThan(r.status, 128, "\(what) ended by a signal:\n\(r.stderr)", file: file, line: line)
        for crash in ["Program crashed", "Fatal error", "Backtrace", "Segmentation"] {
            XCTAssertFalse(r.stderr.contains(crash), "\(what) crashed:\n\(r.stderr)", file: file, line: line)
        }
        XCTAssertEqual(r.errorLines.count, 1, "\(what): one error line, got:\n\(r.stderr)", file: file, line: line)
        for f in fragments {
            XCTAssertTrue(r.stderr.contains(f), "\(what): the error mentions \(f):\n\(r.stderr)", file: file, line: line)
        }
    }

    /// Copies suite.h5 to `name` and applies `change` to its dataset 000001.
    func mutatedSuite(_ p: PFNTrainProcess, _ name: String, _ change: (H5Group) throws -> Void) throws -> String {
        try FileManager.default.copyItem(atPath: p.path("suite.h5"), toPath: p.path(name))
        try edit(p.path(name)) { try change(try $0.openGroup("datasets/000001")) }
        return name
    }

    /// Edits a file in place. Every handle is released before returning: HDF5 keeps a file
    /// open (and locked against the subprocess) while any of its groups is alive.
    func edit(_ path: String, _ change: (H5Group) throws -> Void) throws {
        let file = try H5File.open(path, writable: true)
        try change(try file.root)
        try file.close()
    }

    func inference(_ p: PFNTrainProcess, _ suite: String) throws -> [(String, PFNTrainProcess.Result)] {
        [("eval", try run(p, ["eval", "--checkpoint", Self.checkpoint, "--data", suite, "--threads", "1"])),
         ("predict", try run(p, ["predict", "--checkpoint", Self.checkpoint, "--data", suite, "--out", "pred-\(suite)", "--threads", "1"]))]
    }

    func testSuiteWithNaNOrInfOrAbsurdValuesIsRefusedByEvalAndPredict() throws {
        let p = try prepared()
        let cases: [(String, String, Float)] = [("nan.h5", "observational", .nan), ("inf.h5", "observational", .infinity),
                                                ("huge.h5", "observational", 3e38), ("inter-nan.h5", "interventional", .nan)]
        for (name, child, value) in cases {
            let suite = try mutatedSuite(p, name) { g in
                var (d, s) = try g.read(child, as: Float.self)
                d[17] = value
                try g.write(child, d, shape: s)
            }
            for (command, r) in try inference(p, suite) {
                assertCleanFailure(r, [name, "/datasets/000001/\(child)"], "\(command) on \(name)")
                XCTAssertFalse(p.exists("pred-\(suite)"), "no predictions file for a refused suite")
            }
        }
    }

    func testDatasetWithoutInterventionalRowsIsRefused() throws {
        let p = try prepared()
        let suite = try mutatedSuite(p, "norows.h5") { g in
            try g.write("interventional", [Float](), shape: [0, 5])
            try g.write("regime", [Int32](), shape: [0])
            try g.write("query_index", [Int32](), shape: [0])
        }
        for (command, r) in try inference(p, suite) { assertCleanFailure(r, ["000001/interventional", "no rows"], command) }
    }

    func testEmptyDatasetsGroupIsRefused() throws {
        let p = try prepared()
        try FileManager.default.copyItem(atPath: p.path("suite.h5"), toPath: p.path("empty.h5"))
        try edit(p.path("empty.h5")) { root in
            root.remove("datasets")
            _ = try root.createGroup("datasets")
        }
        for (command, r) in try inference(p, "empty.h5") { assertCleanFailure(r, ["empty.h5", "'/datasets' is empty"], command) }
    }

    func testIntegerThatDoesNotFitIsRefusedNotWrapped() throws {
        let p = try prepared()
        let suite = try mutatedSuite(p, "wide.h5") { g in
            var r = try g.read("regime", as: Int64.self).data
            r[3] = Int64(1) << 32 + 1
            try g.write("regime", r, shape: [r.count])
        }
        for (command, r) in try inference(p, suite) { assertCleanFailure(r, ["000001/regime", "4294967297"], command) }
    }

    func testEvalAndPredictRefuseACheckpointWithInfiniteParameters() throws {
        let p = try prepared()
        try FileManager.default.copyItem(atPath: p.path(Self.checkpoint), toPath: p.path("inf.h5"))
        var key = ""
        try edit(p.path("inf.h5")) { root in
            let params = try root.openGroup("params")
            key = try params.childNames()[0]
            let (d, s) = try params.read(key, as: Float.self)
            try params.write(key, d.map { _ in Float.infinity }, shape: s)
        }
        let eval = try run(p, ["eval", "--checkpoint", "inf.h5", "--data", "suite.h5", "--threads", "1"])
        assertCleanFailure(eval, ["inf.h5", key, "not finite"], "eval")
        let predict = try run(p, ["predict", "--checkpoint", "inf.h5", "--data", "suite.h5", "--out", "pred.h5", "--threads", "1"])
        assertCleanFailure(predict, ["inf.h5", key, "not finite"], "predict")
        XCTAssertFalse(p.exists("pred.h5"))
    }

    // MARK: Disk full

    /// `pfn-train args` under a file-size limit, with SIGXFSZ ignored (inherited through exec)
    /// so that writes past the limit fail with EFBIG as they would on a full disk.
    func runWithFileSizeLimit(_ p: PFNTrainProcess, bytes: Int, _ args: [String]) throws -> PFNTrainProcess.Result {
        let binary = try PFNTrainProcess.binary().path
        let script = "trap '' XFSZ; exec prlimit --fsize=\(bytes) \"$@\""
        return try runProcess("/bin/sh", ["-c", script, "sh", binary] + args, in: p)
    }

    func testFileSizeLimitDuringSampleAndTrainingIsACleanError() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/prlimit") else {
            throw XCTSkip("prlimit (util-linux) is not installed; cannot set a file-size limit on the subprocess")
        }
        let p = try PFNTrainProcess(self)
        let sample = try runWithFileSizeLimit(p, bytes: 100_000, ["sample", "--count", "20", "--nodes", "10", "--out", "s.h5"])
        assertCleanFailure(sample, ["s.h5", "File too large"], "sample over the file-size limit")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: p.directory.path).filter { $0.contains(".tmp-") }, [])

        // Training: the first checkpoints fit, a later one does not (the model has ~20 kB of
        // parameters; checkpoints are ~3× that with the moments).
        try p.runOK(["--model", "A", "--steps", "1", "--run-name", "size"] + PFNTrainProcess.tiny)
        let size = try XCTUnwrap(p.contents("checkpoints/size/final.h5")).count
        let train = try runWithFileSizeLimit(p, bytes: size / 2, ["--model", "A", "--steps", "4", "--checkpoint-every", "2",
                                                                    "--run-name", "full"] + PFNTrainProcess.tiny)
        assertCleanFailure(train, ["File too large"], "training over the file-size limit")
        let left = try FileManager.default.contentsOfDirectory(atPath: p.path("checkpoints/full"))
        XCTAssertEqual(left.filter { $0.contains(".tmp-") }, [], "the temporary file is removed")
    }

    func testFullTmpfsDuringSampleIsACleanErrorMentioningNoSpace() throws {
        let p = try PFNTrainProcess(self)
        let mountPoint = p.path("full")
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
        guard geteuid() == 0, try runProcess("/bin/mount", ["-t", "tmpfs", "-o", "size=200k", "tmpfs", mountPoint], in: p).status == 0 else {
            throw XCTSkip("cannot mount a small tmpfs here (needs root); the file-size-limit test covers the same path")
        }
        defer { _ = try? runProcess("/bin/umount", [mountPoint], in: p) }
        try p.runOK(["sample", "--count", "1", "--nodes", "3", "--out", "full/s.h5"])
        let before = p.contents("full/s.h5")
        let r = try run(p, ["sample", "--count", "20", "--nodes", "10", "--out", "full/s.h5"])
        assertCleanFailure(r, ["No space left on device"], "sample on a full disk")
        XCTAssertEqual(p.contents("full/s.h5"), before, "the earlier file is kept")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: mountPoint).filter { $0.contains(".tmp-") }, [])
    }

    // MARK: Threads

    func testMoreThreadsThanTheProcessMayCreateDoesNotHang() throws {
        guard geteuid() == 0, FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv") else {
            throw XCTSkip("needs root and setpriv to run as another user under a process limit")
        }
        let p = try PFNTrainProcess(self)
        chmod(p.directory.path, 0o777)
        let binary = try PFNTrainProcess.binary().path
        let args = ["--reuid=65534", "--regid=65534", "--clear-groups", "prlimit", "--nproc=40", binary,
                    "--model", "A", "--steps", "3", "--checkpoint-dir", "ck", "--log-dir", "lg"]
            + PFNTrainProcess.tiny.dropLast(2) + ["--threads", "200"]
        let r = try runProcess("/usr/bin/setpriv", args, in: p, timeout: 120)
        XCTAssertNotEqual(r.status, -1, "pfn-train --threads 200 under a 40-process limit hung (killed after 120 s)")
        XCTAssertLessThan(r.status, 128, "ended by a signal:\n\(r.stderr)")
        if r.status != 0 { assertCleanFailure(r, [], "--threads 200 under a process limit") }
    }
}
