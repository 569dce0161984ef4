import Foundation
import Training

/// `--config FILE`: a run's config as JSON — a training log (its `config` object is used), the
/// `config` object itself (as logs and checkpoints hold it), or a hand-written subset such as
/// `{"train": {"lr": 0.001}, "prior": {"nodesMax": 20}}`. Fields a subset leaves out keep the CLI's
/// defaults; fields a run's record lacks (older than the field) keep the type's defaults, what
/// that run did; command-line flags then override it. So a run is reproducible from its log alone.
enum ConfigFile {
    static let sections: Set<String> = ["model", "loss", "train", "prior"]

    /// The config `path` describes, on top of `defaults`.
    static func load(_ path: String, over defaults: RunConfig) throws -> RunConfig {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CLIError("--config \(path): cannot read the file; give a training log or a JSON config")
        }
        guard let top = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw CLIError("--config \(path): not a JSON object; give a training log (logs/<run>.json) or a JSON config like {\"train\": {\"lr\": 0.001}}")
        }
        var given = (top["config"] as? [String: Any]) ?? top
        // A run's own record (a log, or the config object it holds) states every setting it
        // ran with; a field it lacks did not exist then, so it takes the type's default (what
        // the run did), never a newer CLI default. A hand-written subset starts from the CLI's.
        let record = top["config"] != nil || given["provenance"] != nil
        given["provenance"] = nil   // what a log records about its run, not settings
        for key in given.keys where !sections.contains(key) {
            throw CLIError("--config \(path): unknown section '\(key)'; a config has model, loss, train and prior")
        }
        let encoder = JSONEncoder()
        var merged = try JSONSerialization.jsonObject(with: try encoder.encode(defaults)) as! [String: Any]
        if record { for section in sections where given[section] != nil { merged[section] = [String: Any]() } }
        for (section, value) in given {
            guard let fields = value as? [String: Any] else {
                throw CLIError("--config \(path): '\(section)' is not an object of settings")
            }
            var target = merged[section] as? [String: Any] ?? [:]
            for (k, v) in fields { target[k] = v }
            merged[section] = target
        }
        let config: RunConfig
        do {
            config = try JSONDecoder().decode(RunConfig.self, from: try JSONSerialization.data(withJSONObject: merged))
        } catch {
            throw CLIError("--config \(path): a setting has the wrong type or value (\(describe(error))); compare with the config object of a training log")
        }
        // A field the config types do not know (a typo) would silently do nothing: refuse it.
        let known = try JSONSerialization.jsonObject(with: try encoder.encode(config)) as! [String: Any]
        for (section, value) in given {
            let fields = (value as? [String: Any]) ?? [:]
            let knownFields = (known[section] as? [String: Any]) ?? [:]
            if let unknown = fields.keys.sorted().first(where: { knownFields[$0] == nil }) {
                throw CLIError("--config \(path): unknown setting '\(section).\(unknown)'; known: \(knownFields.keys.sorted().joined(separator: ", "))")
            }
        }
        return config
    }

    static func describe(_ error: Error) -> String {
        guard let e = error as? DecodingError else { return "\(error)" }
        switch e {
        case let .typeMismatch(_, c), let .valueNotFound(_, c), let .keyNotFound(_, c), let .dataCorrupted(c):
            return c.codingPath.map(\.stringValue).joined(separator: ".") + ": " + c.debugDescription
        @unknown default: return "\(error)"
        }
    }
}
