import Foundation

/// The repository's root folder (this file is Tests/TestSupport/Processes.swift).
public let repositoryRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// Runs `python3 args…` and returns its exit status and its stdout and stderr together
/// (status −1 when python3 cannot be started).
public func runPython(_ args: [String]) -> (status: Int32, output: String) {
    runProcess("/usr/bin/env", ["python3"] + args)
}

/// Runs `executable args…` (in `directory`, with `environment` added to this process's) and
/// returns its exit status and its stdout and stderr together (−1 when it cannot be started).
public func runProcess(_ executable: String, _ args: [String], environment: [String: String] = [:],
                       directory: URL? = nil) -> (status: Int32, output: String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: executable)
    p.arguments = args
    if let directory { p.currentDirectoryURL = directory }
    if !environment.isEmpty { p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
    let pipe = Pipe()
    p.standardOutput = pipe
    p.standardError = pipe
    do { try p.run() } catch { return (-1, "\(error)") }
    let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    p.waitUntilExit()
    return (p.terminationStatus, text)
}

/// Whether python3 with torch and h5py can run the reference checks (skip those tests without).
public var pythonHasTorch: Bool { runPython(["-c", "import torch, h5py"]).status == 0 }

/// `<tmp>/<folder>-<pid>/<name>`, creating the folder: one folder per test process.
public func temporaryPath(_ name: String, folder: String) -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("\(folder)-\(getpid())")
    try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir.appendingPathComponent(name).path
}
