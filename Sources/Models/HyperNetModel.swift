import NN
import Randomness

/// Model E (notebook §4.5): the shared trunk (PyTorch's default ReLU); a hyper-network maps the
/// intervened node's embedding (`int_embedding`, 16 wide) through Linear–GELU–Linear to a
/// D-vector w, and the delta of each node is its token's dot product with w.
final class HyperNetModel: SharedTrunk {
    let config: ModelConfig
    let encoder: NodeEncoder
    let backbone: TransformerEncoder
    let intEmbedding: Embedding  // [maxNodes, 16]
    let hyperNet: Sequential     // [16 → 64] GELU [64 → D]
    let dag: DAGHead
    let pair: PairContext?

    // Construction order is the generator's draw order (the notebook's; the pair context last).
    init(_ config: ModelConfig, rng: inout Xoshiro256) {
        self.config = config
        encoder = NodeEncoder(config, rng: &rng)
        backbone = encoderStack(config, count: config.layers, rng: &rng)
        intEmbedding = Embedding(config.maxNodes, config.hyperEmbedding, rng: &rng)
        hyperNet = Sequential([.linear(Linear(config.hyperEmbedding, config.hyperHidden, rng: &rng)), .gelu,
                               .linear(Linear(config.hyperHidden, config.dModel, rng: &rng))])
        dag = DAGHead(config.dModel, rng: &rng)
        pair = config.pairContext ? PairContext(config, rng: &rng) : nil
    }

    func callAsFunction(_ input: ModelInput, _ ctx: ForwardContext) -> ModelOutput {
        let (x, logits) = trunk(input, ctx)                                  // [B, N, D], [B, N, N]
        let weights = hyperNet(intEmbedding(input.target))                   // [B, D]
            .reshaped([input.batchSize, 1, config.dModel])                   // [B, 1, D]
        let delta = input.delta((x * weights).sumLastAxis())                 // [B, N]
        return ModelOutput(delta: delta, logits: logits, sampledAdjacency: nil)
    }

    func namedParameters(prefix p: String) -> [(String, Tensor)] {
        encoder.namedParameters(prefix: p + "encoder.") + backbone.namedParameters(prefix: p + "backbone.")
            + intEmbedding.namedParameters(prefix: p + "int_embedding.") + hyperNet.namedParameters(prefix: p + "hyper_net.")
            + dag.namedParameters(prefix: p) + (pair?.namedParameters(prefix: p + "pair_context.") ?? [])
    }
}
