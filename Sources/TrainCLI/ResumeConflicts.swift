import Foundation
import Models
import Training

/// The settings a resumed command line asks for that contradict the checkpoint's config.
///
/// A resumed run keeps the checkpoint's config (only `--steps` and the output options may
/// change), so a flag like `--lr 0.01` or `--nodes 30` would otherwise be silently ignored.
/// ArgumentParser does not say which options were typed, so a setting counts as given when
/// the flags' config differs from the all-defaults config; it is a conflict when it also
/// differs from the checkpoint's. Both configs are built for the checkpoint's variant, so
/// variant-dependent defaults compare like with like.
func resumeConflicts(_ command: TrainCommand, checkpoint: RunConfig) throws -> [String] {
    var flagged = command, plain = try TrainCommand.parse([])
    flagged.model = checkpoint.model.variant.rawValue
    plain.model = checkpoint.model.variant.rawValue
    let given = try flatten(flagged.runConfig()), defaults = try flatten(plain.runConfig())
    let stored = try flatten(checkpoint)
    return given.keys.sorted().compactMap { key in
        guard key != "train.steps", let value = given[key], value != defaults[key], value != stored[key] else { return nil }
        return "\(flagName(key)) \(value) (the checkpoint has \(stored[key] ?? "none"))"
    }
}

/// `{"train": {"lr": 0.01}}` → `["train.lr": "0.01"]`.
private func flatten(_ config: RunConfig) throws -> [String: String] {
    let object = try JSONSerialization.jsonObject(with: try JSONEncoder().encode(config))
    var out: [String: String] = [:]
    func walk(_ value: Any, _ path: String) {
        if let dict = value as? [String: Any] {
            for (k, v) in dict { walk(v, path.isEmpty ? k : "\(path).\(k)") }
        } else if let data = try? JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed, .sortedKeys]) {
            out[path] = String(decoding: data, as: UTF8.self)
        }
    }
    walk(object, "")
    return out
}

/// `prior.nodesMax` → `--nodes-max` (the option that sets it, for all but a few presets).
private func flagName(_ key: String) -> String {
    let field = key.split(separator: ".").last.map(String.init) ?? key
    let aliases = ["acyclicityWarmup": "acyclicity-warmup", "tauAnnealSteps": "tau-anneal", "warmupSteps": "warmup",
                   "acyclicity": "loss", "edgeFunctions": "edge-functions"]
    if let alias = aliases[field] { return "--" + alias }
    return "--" + field.reduce(into: "") { out, c in
        if c.isUppercase { out += "-" + c.lowercased() } else { out.append(c) }
    }
}
