import Foundation
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

    static func modelConfig(_ ckpt: Checkpoint, variant: Variant, path: String) throws -> ModelConfig {
        if let json = ckpt.config, let run = try? JSONDecoder().decode(StoredModelConfig.self, from: Data(json.utf8)) {
            return run.model
        }
        func shape(_ key: String) throws -> [Int] {
            guard let s = ckpt.params[key]?.shape else { throw CheckpointError("\(path): missing parameter \(key)") }
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
        if let p = ckpt.params["pair_context.proj.weight"] {
            c.pairContext = true
            c.pairHidden = p.shape[0]
            c.pairFeatures = PairFeatures.versions.first { PairFeatures.width($0) == p.shape[1] } ?? 0  // 0: rejected below
        }
        if let problem = c.validationError() { throw CheckpointError("\(path): \(problem)") }
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

/// The `model` entry of a run config (Training's `RunConfig`): all that inference needs.
struct StoredModelConfig: Decodable {
    let model: ModelConfig
}
