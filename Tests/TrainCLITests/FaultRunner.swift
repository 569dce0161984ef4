import Foundation
import XCTest

/// Runs for the fault-injection and fuzz tests: a death by signal or a hang is reported as
/// such (PFNTrainProcess.run reports a signal number as if it were an exit status).
extension PFNTrainProcess {
    static let trainedCheckpoint = "checkpoints/A/final.h5"

    /// A working folder with a trained tiny checkpoint (`trainedCheckpoint`) and a valid
    /// three-dataset suite (suite.h5).
    static func withCheckpointAndSuite(_ test: XCTestCase) throws -> PFNTrainProcess {
        let p = try PFNTrainProcess(test)
        try p.runOK(["--model", "A", "--steps", "2", "--log-every", "1"] + PFNTrainProcess.tiny)
        try p.runOK(["sample", "--count", "3", "--nodes", "5", "--seed", "1", "--out", "suite.h5",
                     "--observational-samples", "20", "--samples-per-regime", "5"])
        return p
    }

    /// `pfn-train args`; a death by signal shows as status 128 + signal, a hang (killed) as -1.
    func runReportingSignals(_ args: [String], timeout: Double = 300) throws -> PFNTrainProcess.Result {
        try runTool(try PFNTrainProcess.binary().path, args, timeout: timeout)
    }

    /// Runs a program in the test's folder; status -1 if it had to be killed after `timeout`.
    func runTool(_ tool: String, _ args: [String], timeout: Double = 300) throws -> PFNTrainProcess.Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = args
        process.currentDirectoryURL = directory
        let out = directory.appendingPathComponent(".wrapped.stdout"), err = directory.appendingPathComponent(".wrapped.stderr")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        let outHandle = try FileHandle(forWritingTo: out), errHandle = try FileHandle(forWritingTo: err)
        defer { try? outHandle.close(); try? errHandle.close() }  // hundreds of runs: no fd leak
        process.standardOutput = outHandle
        process.standardError = errHandle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let finished = DispatchSemaphore(value: 0)
        DispatchQueue.global().async { process.waitUntilExit(); finished.signal() }
        var timedOut = false
        if finished.wait(timeout: .now() + timeout) == .timedOut {
            timedOut = true
            kill(process.processIdentifier, SIGKILL)
            finished.wait()
        }
        let status = timedOut ? -1 : (process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus)
        return PFNTrainProcess.Result(status: status, stdout: (try? String(contentsOf: out, encoding: .utf8)) ?? "",
                                      stderr: (try? String(contentsOf: err, encoding: .utf8)) ?? "")
    }
}
