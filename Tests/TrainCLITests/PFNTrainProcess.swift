import Foundation
import HDF5Kit
import XCTest

/// The built `pfn-train` binary, run as a subprocess in a fresh temporary working directory,
/// so these tests exercise exactly what a user runs (argument parsing, exit codes, files).
struct PFNTrainProcess {
    /// Options of a model and prior small enough that a step takes milliseconds.
    static let tiny = ["--d-model", "16", "--heads", "2", "--layers", "1", "--feed-forward", "32",
                       "--max-nodes", "8", "--nodes", "5", "--batch", "4",
                       "--observational-samples", "20", "--samples-per-regime", "20", "--threads", "1"]

    /// The finished process: exit status and its output.
    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
        /// The lines of stderr that carry the error (ArgumentParser adds usage lines after it).
        var errorLines: [String] { stderr.split(separator: "\n").map(String.init).filter { $0.hasPrefix("Error:") } }
    }

    let directory: URL

    /// A new empty working directory, removed when the test ends.
    init(_ test: XCTestCase) throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("pfn-train-cli-\(getpid())-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let dir = directory
        test.addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
    }

    /// The binary beside the test bundle (both are products of the same build).
    static func binary() throws -> URL {
        let bundle = Bundle(for: BundleMarker.self).bundleURL
        var folders = [bundle.deletingLastPathComponent(), bundle]
        if let exe = Bundle.main.executableURL { folders.append(exe.deletingLastPathComponent()) }
        folders.append(URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent())
        for folder in folders {
            let url = folder.appendingPathComponent("pfn-train")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        throw MissingBinary(folders: folders.map(\.path))
    }

    struct MissingBinary: Error, CustomStringConvertible {
        let folders: [String]
        var description: String {
            "pfn-train was not found beside the test bundle (looked in \(folders.joined(separator: ", "))); build it first: swift build -c release -Xswiftc -enable-testing --build-tests"
        }
    }

    /// Starts `pfn-train args` in the working directory; stdout and stderr go to files there.
    func start(_ args: [String], tag: String = "out") throws -> (Process, stdout: URL, stderr: URL) {
        let process = Process()
        process.executableURL = try Self.binary()
        process.arguments = args
        process.currentDirectoryURL = directory
        let out = directory.appendingPathComponent(".\(tag).stdout"), err = directory.appendingPathComponent(".\(tag).stderr")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return (process, out, err)
    }

    /// Runs `pfn-train args` to completion.
    @discardableResult
    func run(_ args: [String]) throws -> Result {
        let (process, out, err) = try start(args)
        process.waitUntilExit()
        return Result(status: process.terminationStatus,
                      stdout: (try? String(contentsOf: out, encoding: .utf8)) ?? "",
                      stderr: (try? String(contentsOf: err, encoding: .utf8)) ?? "")
    }

    /// Runs and fails the test (with the output) unless the run succeeded.
    @discardableResult
    func runOK(_ args: [String], file: StaticString = #filePath, line: UInt = #line) throws -> Result {
        let r = try run(args)
        XCTAssertEqual(r.status, 0, "pfn-train \(args.joined(separator: " ")) failed:\n\(r.stderr)\n\(r.stdout)",
                       file: file, line: line)
        return r
    }

    func path(_ relative: String) -> String { directory.appendingPathComponent(relative).path }

    func exists(_ relative: String) -> Bool { FileManager.default.fileExists(atPath: path(relative)) }

    func contents(_ relative: String) -> Data? { FileManager.default.contents(atPath: path(relative)) }

    /// Every file below the working directory (relative paths) with its bytes, to show that a
    /// failed command changed nothing. The process's own stdout/stderr files are left out.
    func snapshot() -> [String: Data] {
        var files: [String: Data] = [:]
        let root = directory.resolvingSymlinksInPath().path
        guard let walker = FileManager.default.enumerator(atPath: root) else { return files }
        for case let relative as String in walker where !relative.hasSuffix(".stdout") && !relative.hasSuffix(".stderr") {
            var isDir: ObjCBool = false
            let full = root + "/" + relative
            if FileManager.default.fileExists(atPath: full, isDirectory: &isDir) {
                files[relative] = isDir.boolValue ? Data() : FileManager.default.contents(atPath: full)
            }
        }
        return files
    }

    /// The training log as a JSON object.
    func log(_ relative: String) throws -> [String: Any] {
        let data = try XCTUnwrap(contents(relative), "no log at \(relative)")
        return try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any], "\(relative) is not a JSON object")
    }

    /// One numeric series of a log (null → NaN).
    func series(_ log: [String: Any], _ key: String) throws -> [Double] {
        let values = try XCTUnwrap(log[key] as? [Any], "the log has no series '\(key)'")
        return values.map { ($0 as? NSNumber)?.doubleValue ?? .nan }
    }

    /// Every dataset of a checkpoint group (`params`, `optim`, `rng`), recursively, as bit
    /// patterns, so equal means bit-identical (NaN included).
    func datasets(_ relative: String, group: String) throws -> [String: [UInt64]] {
        var out: [String: [UInt64]] = [:]
        func walk(_ g: H5Group, _ prefix: String) throws {
            for name in try g.childNames() {
                if g.isGroup(name) { try walk(try g.openGroup(name), prefix + name + "/"); continue }
                switch try g.storedClass(of: name) {
                case .float(bytes: 4): out[prefix + name] = try g.read(name, as: Float.self).data.map { UInt64($0.bitPattern) }
                case .float: out[prefix + name] = try g.read(name, as: Double.self).data.map(\.bitPattern)
                default: out[prefix + name] = try g.read(name, as: Int64.self).data.map { UInt64(bitPattern: $0) }
                }
            }
        }
        let file = try H5File.open(path(relative))
        try walk(try file.root.openGroup(group), "")
        return out
    }
}

private final class BundleMarker {}
