import Foundation
import HDF5Kit

/// Naming a run, checking where it writes, and claiming its folder. A run is claimed by an
/// exclusive create of `<checkpoint-dir>/<name>` (mkdir fails if it exists), so two runs
/// started together never share a folder: the loser takes the next suffix, or is refused
/// when its name was given.
public enum RunName {
    /// Why `name` cannot name a run, or nil. A run name becomes a folder and `<name>.json`, so
    /// it must be a plain name: no path separators, not hidden, not `.` or `..`.
    public static func problem(_ name: String) -> String? {
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-_.+=@,"))
        if name.isEmpty || name.hasPrefix(".") || name.utf8.count > 200 || !name.unicodeScalars.allSatisfy(allowed.contains) {
            return "--run-name '\(name)' is not a plain name: use letters, digits and - _ . + = @ , (not starting with '.', at most 200 bytes); it names a folder and a log file"
        }
        return nil
    }
}

enum RunFolder {
    static func nameProblem(_ name: String) -> String? { RunName.problem(name) }

    /// The checks of the output options that need no files: the run name, and that both
    /// folders can be (created and) written.
    static func check(_ output: OutputConfig) throws {
        if let name = output.runName, let problem = nameProblem(name) { throw TrainingError(problem) }
        for (dir, option) in [(output.logDir, "--log-dir"), (output.checkpointDir, "--checkpoint-dir")] {
            if let problem = problem(dir) {
                throw TrainingError("\(option) '\(dir)' cannot be used: \(problem); choose another \(option)")
            }
        }
    }

    static func checkWritable(_ folder: String, option: String) throws {
        if let problem = problem(folder) {
            throw TrainingError("the run folder '\(folder)' cannot be written: \(problem); pass \(option) to continue the run elsewhere")
        }
    }

    /// Claims `<checkpoint-dir>/<base>` (or, when `suffixed`, the first free of `base`,
    /// `base-2`, `base-3`, …) by creating it exclusively, and creates the log folder. A name
    /// whose log exists is taken too, unless `logMayExist` (the same run moving folders).
    static func claim(_ output: OutputConfig, base: String, suffixed: Bool, logMayExist: Bool = false) throws -> (name: String, folder: String) {
        if let problem = nameProblem(base) { throw TrainingError(problem) }
        for (dir, option) in [(output.logDir, "--log-dir"), (output.checkpointDir, "--checkpoint-dir")] {
            do { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) } catch {
                throw TrainingError("\(option): cannot create folder '\(dir)' (\(describe(error))); choose another \(option)")
            }
        }
        var k = 1
        while true {
            let name = k == 1 ? base : "\(base)-\(k)"
            let folder = "\(output.checkpointDir)/\(name)"
            let logTaken = !logMayExist && FileManager.default.fileExists(atPath: "\(output.logDir)/\(name).json")
            if !logTaken {
                if mkdir(folder, 0o755) == 0 { return (name, folder) }
                guard errno == EEXIST else {
                    throw TrainingError("--checkpoint-dir: cannot create folder '\(folder)': \(String(cString: strerror(errno))); choose another --checkpoint-dir")
                }
            }
            guard suffixed else {
                if !hasCheckpoint(folder) {
                    throw TrainingError("run '\(name)' exists but has no checkpoint to continue (it stopped before its first); delete \(output.logDir)/\(name).json and \(folder)/ to start it again, or pick another --run-name")
                }
                throw TrainingError("run '\(name)' exists (\(output.logDir)/\(name).json or \(folder)/); pick another --run-name or continue it with --resume \(folder)")
            }
            k += 1
        }
    }

    /// Whether a run folder holds a checkpoint (final.h5 or step-<k>.h5) to resume from.
    static func hasCheckpoint(_ folder: String) -> Bool {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return names.contains { $0 == "final.h5" || ($0.hasPrefix("step-") && $0.hasSuffix(".h5")) }
    }

    /// The checkpoints in `point`'s folder from later in its run (step-<k>.h5 with k past the
    /// point's step, or a final.h5 past it): resuming in place would overwrite them.
    static func laterCheckpoints(than point: ResumePoint) -> [String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: point.runFolder) else { return [] }
        let own = URL(fileURLWithPath: point.path).lastPathComponent
        return names.filter { name in
            guard name != own, name.hasSuffix(".h5"), !name.hasPrefix(".") else { return false }
            if name.hasPrefix("step-"), let k = Int(name.dropFirst(5).dropLast(3)) { return k > point.step }
            guard name == "final.h5" else { return false }
            // A final.h5 that cannot be read is kept as if it were later: never overwrite it.
            let step = (try? H5File.open("\(point.runFolder)/\(name)").root.attribute("step", as: Int64.self)) ?? nil
            return step.map { $0 > point.step } ?? true
        }.sorted()
    }

    /// Whether two paths name the same folder (symbolic links resolved).
    static func same(_ a: String, _ b: String) -> Bool {
        func canonical(_ p: String) -> String { URL(fileURLWithPath: p).resolvingSymlinksInPath().standardizedFileURL.path }
        return canonical(a) == canonical(b)
    }

    /// Why `dir` cannot be (created and) written, judged from its nearest existing ancestor.
    static func problem(_ dir: String) -> String? {
        var path = URL(fileURLWithPath: dir).standardizedFileURL
        while true {
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: path.path, isDirectory: &isDir) {
                if !isDir.boolValue { return "'\(path.path)' is a file, not a folder" }
                return FileManager.default.isWritableFile(atPath: path.path) ? nil : "folder '\(path.path)' is not writable"
            }
            let parent = path.deletingLastPathComponent()
            if parent.path == path.path { return nil }
            path = parent
        }
    }

    /// The newest checkpoint in `folder` (final.h5, else the step-<k>.h5 of largest k), or nil:
    /// what a diverged or failed run has left to resume from.
    static func latestCheckpoint(in folder: String) -> String? {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return nil }
        if names.contains("final.h5") { return "\(folder)/final.h5" }
        let steps = names.compactMap { n -> (Int, String)? in
            guard n.hasPrefix("step-"), n.hasSuffix(".h5"), let k = Int(n.dropFirst(5).dropLast(3)) else { return nil }
            return (k, n)
        }
        return steps.max { $0.0 < $1.0 }.map { "\(folder)/\($0.1)" }
    }
}

extension TrainingRun {
    /// The newest checkpoint this run's folder holds, or nil (the run stopped before its first).
    public var latestCheckpoint: String? { RunFolder.latestCheckpoint(in: folder) }
}
