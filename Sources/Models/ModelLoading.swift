import Foundation
import SCMGen
import NN

/// Loads a checkpoint's model for inference. A pfn-train checkpoint carries its run config;
/// a PyTorch export may carry only `/params` (+ `format`, `format_version`, `model`): then the
/// sizes come from the parameter shapes, the head count from any `heads`/`nhead` in `config`
/// (default 4), and the model is the notebook's exactly (no feature guard, raw-unit delta
/// heads; D without the
/// attention bias, which the notebook never used).
public enum ModelLoading {
    public static func load(_ path: String) throws -> (model: CausalModel, config: ModelConfig, checkpoint: Checkpoint) {
        let checkpoint = try Checkpoint.read(path)
        guard let variant = Variant(rawValue: checkpoint.model) else {
            throw CheckpointError("\(path): unknown model '\(checkpoint.model)' (expected A, B, C, D or E)")
        }
        let config = try modelConfig(checkpoint, variant: variant, path: path)
        let model = makeModel(config, seed: 0)
        do { try checkpoint.loadParameters(into: model.namedParameters()) } catch {
            throw CheckpointError("\(path): \(error)")
        }
        return (model, config, checkpoint)
    }

    /// The model config of a pfn-train config JSON (a run config's `model` entry), or nil
    /// when `json` is not one (absent, or a PyTorch export's own config): then `load` reads
    /// the sizes from the parameter shapes.
    public static func storedModelConfig(_ json: String?) -> ModelConfig? {
        guard let json else { return nil }
        return try? JSONDecoder().decode(StoredModelConfig.self, from: Data(json.utf8)).model
    }

    static func modelConfig(_ ckpt: Checkpoint, variant: Variant, path: String) throws -> ModelConfig {
        if let stored = storedModelConfig(ckpt.config) {
            // A crafted or damaged config must not reach the layers' preconditions.
            if let problem = stored.validationError() ?? stored.sizeProblem() {
                throw CheckpointError("\(path): its config cannot describe a model: \(problem)")
            }
            guard stored.variant == variant else {
                throw CheckpointError("\(path): its model attribute is \(variant.rawValue) but its config describes model \(stored.variant.rawValue); the file is damaged")
            }
            return stored
        }
        /// The shape of a parameter that must be a matrix (a scalar or vector here is damage).
        func shape(_ key: String) throws -> [Int] {
            guard let s = ckpt.params[key]?.shape else { throw CheckpointError("\(path): missing parameter \(key)") }
            guard s.count == 2, s.allSatisfy({ $0 > 0 }) else {
                throw CheckpointError("\(path): parameter \(key) has shape \(s); expected a matrix")
            }
            return s
        }
        var c = ModelConfig.notebook(variant)
        let proj = try shape("encoder.feature_proj.weight")  // [D, 6]
        c.dModel = proj[0]
        c.maxNodes = try shape("encoder.pos_emb.weight")[0]
        let stack = ["A": "transformer", "B": "transformer", "C": "transformer", "D": "delta_layers", "E": "backbone"][variant.rawValue]!
        let prefix = variant == .D ? "delta_layers." : "\(stack).layers."
        c.layers = layerCount(ckpt, prefix: prefix)
        if variant == .D { c.dagLayers = layerCount(ckpt, prefix: "dag_backbone.layers.") }
        c.feedForward = try shape("\(prefix)0.linear1.weight")[0]
        if variant == .E {
            c.hyperEmbedding = try shape("int_embedding.weight")[1]
            c.hyperHidden = try shape("hyper_net.0.weight")[0]
        }
        c.heads = headCount(in: ckpt.config) ?? 4
        if ckpt.params["pair_context.proj.weight"] != nil {
            c.pairContext = true
            let proj = try shape("pair_context.proj.weight")
            c.pairHidden = proj[0]
            // The input width tells the feature version; 0 (no version has it) is rejected below.
            c.pairFeatures = proj.count == 2 ? PairFeatures.versions.first { PairFeatures.width($0) == proj[1] } ?? 0 : 0
        }
        if let problem = c.validationError() ?? c.sizeProblem() { throw CheckpointError("\(path): \(problem)") }
        return c
    }

    static func layerCount(_ ckpt: Checkpoint, prefix: String) -> Int {
        var n = 0
        while ckpt.params["\(prefix)\(n).linear1.weight"] != nil { n += 1 }
        return n
    }

    /// The first `heads`, `nhead` or `num_heads` number anywhere in a JSON config.
    static func headCount(in json: String?) -> Int? {
        guard let json, let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) else { return nil }
        func find(_ o: Any) -> Int? {
            if let d = o as? [String: Any] {
                for key in ["heads", "nhead", "num_heads"] { if let v = d[key] as? NSNumber { return v.intValue } }
                for v in d.values { if let found = find(v) { return found } }
            }
            return nil
        }
        return find(object)
    }
}

extension ModelConfig {
    /// What `validationError` leaves to the options' parsers: finite feature guards, positive
    /// E widths, and sizes a model of this machine can have (a crafted checkpoint claiming a
    /// width of 10^9 is refused instead of exhausting memory).
    public func sizeProblem() -> String? {
        if !(stdFloor.isFinite && stdFloor >= 0) || !(featureClip.isFinite && featureClip >= 0) {
            return "std floor \(stdFloor) and feature clip \(featureClip) must be finite and ≥ 0"
        }
        if hyperEmbedding < 1 || hyperHidden < 1 { return "hypernet widths must be at least 1" }
        let limits = [("model width", dModel, 1 << 14), ("max nodes", maxNodes, 1 << 14), ("feed-forward width", feedForward, 1 << 18),
                      ("layer count", max(layers, dagLayers), 1 << 10), ("pair-context width", pairHidden, 1 << 14),
                      ("hypernet width", max(hyperEmbedding, hyperHidden), 1 << 14)]
        for (what, value, limit) in limits where value > limit { return "\(what) \(value) is larger than the \(limit) pfn-train supports" }
        return nil
    }
}

/// The `model` entry of a run config (Training's `RunConfig`): all that inference needs.
struct StoredModelConfig: Decodable {
    let model: ModelConfig
}

/// The parts of a stored run config that say what contexts the model was trained on.
private struct StoredTrainingData: Decodable {
    struct Train: Decodable { let stream: StreamMode? }
    let model: ModelConfig
    let prior: PriorConfig?
    let train: Train?
}

extension ModelLoading {
    /// Rows per regime the pair context's statistics should read for this model: a model with
    /// version-2 pair features trained on the mixed stream saw contexts of
    /// `prior.contextRowsPerRegime` rows per regime (up to `contextRowsMax` when the stream varies
    /// them: then the largest it saw), and its t-statistics and row counts grow
    /// with the rows. Fed a suite's 100 rows it drifts out of what it learned (held-out n20 of
    /// the main job at step 1500: AUROC 0.758 with all rows, 0.822 with 5, as trained;
    /// docs/studies/pair-features.md). nil: every row (other models, sequential-stream training).
    public static func trainingContextRows(model: ModelConfig, prior: PriorConfig, stream: StreamMode) -> Int? {
        model.pairContext && model.pairFeatures >= 2 && stream == .mixed ? prior.contextRowsMax ?? prior.contextRowsPerRegime : nil
    }

    /// `trainingContextRows` from a checkpoint's stored run config (nil without one).
    public static func trainingContextRows(_ json: String?) -> Int? {
        guard let json, let c = try? JSONDecoder().decode(StoredTrainingData.self, from: Data(json.utf8)) else { return nil }
        return trainingContextRows(model: c.model, prior: c.prior ?? PriorConfig(), stream: c.train?.stream ?? .mixed)
    }
}
