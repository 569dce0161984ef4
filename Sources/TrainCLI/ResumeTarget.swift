import Foundation
import HDF5Kit
import Training

/// What `--resume` names: a checkpoint file, a run's folder (its newest checkpoint), or
/// `latest` (the newest checkpoint of `--run-name`'s run, else of the most recent run in
/// `--checkpoint-dir`); and the output settings the run recorded, which a resumed run keeps.
enum ResumeTarget {
    static func checkpoint(_ argument: String, checkpointDir: String, runName: String?) throws -> String {
        var isFolder: ObjCBool = false
        if argument == "latest" {
            if let runName { return try newest(in: "\(checkpointDir)/\(runName)") }
            let runs = ((try? FileManager.default.contentsOfDirectory(atPath: checkpointDir)) ?? [])
                .map { "\(checkpointDir)/\($0)" }
                .filter { (try? newest(in: $0)) != nil }
            guard let run = runs.max(by: { modified(try! newest(in: $0)) < modified(try! newest(in: $1)) }) else {
                throw CLIError("--resume latest: no run with a checkpoint in '\(checkpointDir)/'; pass --checkpoint-dir or a checkpoint path")
            }
            return try newest(in: run)
        }
        if FileManager.default.fileExists(atPath: argument, isDirectory: &isFolder), isFolder.boolValue {
            return try newest(in: argument)
        }
        return argument
    }

    /// The checkpoint of the furthest step in a run folder: final.h5, else the largest step-<k>.h5.
    static func newest(in folder: String) throws -> String {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        func rank(_ f: String) -> Int? {
            if f == "final.h5" { return Int.max }
            guard f.hasPrefix("step-"), f.hasSuffix(".h5") else { return nil }
            return Int(f.dropFirst(5).dropLast(3))
        }
        guard let best = files.compactMap({ f in rank(f).map { (f, $0) } }).max(by: { $0.1 < $1.1 }) else {
            throw CLIError("--resume \(folder): no checkpoint (final.h5 or step-<k>.h5) in this folder")
        }
        return "\(folder)/\(best.0)"
    }

    static func modified(_ path: String) -> Date {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date) ?? .distantPast
    }

    /// The output settings recorded in the checkpoint's config (`provenance.output`), if any.
    static func storedOutput(_ path: String) -> [String: Any] {
        guard let json = try? H5File.open(path).root.stringAttribute("config"),
              let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any],
              let provenance = object["provenance"] as? [String: Any] else { return [:] }
        return provenance["output"] as? [String: Any] ?? [:]
    }
}
