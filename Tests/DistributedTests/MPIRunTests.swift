import Foundation
import XCTest

/// Real ranks on this machine: `mpi-selftest` (built with the tests) under
/// `mpirun -np 2`, loopback only. Skipped, saying why, where Open MPI's mpirun is missing.
final class MPIRunTests: XCTestCase {
    struct Run {
        let status: Int32
        let output: String
        let seconds: Double
    }

    private func selftest() throws -> URL {
        let bundle = Bundle(for: MPIRunTests.self).bundleURL
        for folder in [bundle.deletingLastPathComponent(), bundle] {
            let url = folder.appendingPathComponent("mpi-selftest")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        throw XCTSkip("mpi-selftest was not found beside the test bundle; build with --build-tests")
    }

    private func mpirun() throws -> URL {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for dir in path.split(separator: ":") {
            let url = URL(fileURLWithPath: String(dir)).appendingPathComponent("mpirun")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        throw XCTSkip("mpirun is not installed (scripts/setup.sh installs openmpi-bin); the MPI tests need it")
    }

    /// Runs `executable args`, killing it after `limit` seconds; output is stdout + stderr.
    private func run(_ executable: URL, _ args: [String], limit: Double) throws -> Run {
        let p = Process()
        p.executableURL = executable
        p.arguments = args
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("mpi-selftest-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: log) }
        let handle = try FileHandle(forWritingTo: log)
        (p.standardOutput, p.standardError, p.standardInput) = (handle, handle, FileHandle.nullDevice)
        let start = Date()
        try p.run()
        while p.isRunning && Date().timeIntervalSince(start) < limit { usleep(20_000) }
        let hung = p.isRunning
        if hung { p.terminate(); usleep(500_000); if p.isRunning { kill(p.processIdentifier, SIGKILL) } }
        p.waitUntilExit()
        let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        XCTAssertFalse(hung, "\(executable.lastPathComponent) \(args.joined(separator: " ")) still ran after \(limit) s:\n\(output)")
        return Run(status: p.terminationStatus, output: output, seconds: Date().timeIntervalSince(start))
    }

    private func mpirun2(_ args: [String], limit: Double = 120) throws -> Run {
        try run(try mpirun(), ["--allow-run-as-root", "--oversubscribe", "-np", "2", try selftest().path] + args, limit: limit)
    }

    func testStartedWithoutMpirunItIsOneProcessAndMPIIsNeverInitialised() throws {
        let r = try run(try selftest(), ["alone"], limit: 60)
        XCTAssertEqual(r.status, 0, r.output)
        XCTAssertTrue(r.output.contains("mpi-selftest alone: rank 0 of 1: ok"), r.output)
    }

    func testTwoRanksSumAverageBroadcastAndReduceBuckets() throws {
        let r = try mpirun2(["check"])
        XCTAssertEqual(r.status, 0, r.output)
        for rank in 0..<2 { XCTAssertTrue(r.output.contains("mpi-selftest check: rank \(rank) of 2: ok"), r.output) }
    }

    /// A rank killed by SIGKILL (as the OOM killer would) while the other waits in an
    /// allreduce: mpirun notices and ends the whole run, non-zero, instead of hanging.
    func testAKilledRankEndsTheRun() throws {
        let r = try mpirun2(["die"], limit: 90)
        XCTAssertNotEqual(r.status, 0, r.output)
        XCTAssertFalse(r.output.contains(": ok"), r.output)
        XCTAssertTrue(r.output.contains("signal 9"), "mpirun should name the killed rank:\n\(r.output)")
    }

    /// A rank that stays alive but never joins the collective: the other's 2 s timeout
    /// throws, it calls MPI_Abort, and mpirun ends both, non-zero, well before the sleeper wakes.
    func testAStalledRankTimesOutTheCollectiveAndAbortsTheRun() throws {
        let r = try mpirun2(["stall", "2"], limit: 90)
        XCTAssertNotEqual(r.status, 0, r.output)
        XCTAssertTrue(r.output.contains("did not complete within 2.0 s"), r.output)
        XCTAssertLessThan(r.seconds, 60, "the stalled rank sleeps 600 s: the run must end by the abort, not by it")
    }
}
