import NN
import Randomness

/// The learnable part of `CausalDistributionEncoder` (notebook §3): `feature_proj` maps the
/// six node features to D, and `pos_emb` adds a learned node-index embedding (optional).
final class NodeEncoder: Module {
    let featureProj: Linear  // [D, 6]
    let posEmb: Embedding    // [maxNodes, D]
    let useNodeEmbedding: Bool

    init(_ config: ModelConfig, rng: inout Xoshiro256) {
        featureProj = Linear(NodeFeatures.count, config.dModel, rng: &rng)
        posEmb = Embedding(config.maxNodes, config.dModel, rng: &rng)
        useNodeEmbedding = config.nodeEmbedding
    }

    /// features [B, N, 6] → tokens [B, N, D].
    func callAsFunction(_ input: ModelInput) -> Tensor {
        let x = featureProj(input.features)  // [B, N, D]
        guard useNodeEmbedding else { return x }
        return x + posEmb(Array(0..<input.maxNodes), shape: [1, input.maxNodes])  // + [1, N, D]
    }

    /// The embedding is listed even when unused, so checkpoints keep the notebook's keys.
    func namedParameters(prefix: String) -> [(String, Tensor)] {
        featureProj.namedParameters(prefix: prefix + "feature_proj.") + posEmb.namedParameters(prefix: prefix + "pos_emb.")
    }
}
