import NN
import Randomness

/// Model A (notebook §4): the shared trunk (GELU) and a delta head Linear–GELU–Linear.
final class BaselineModel: SharedTrunk {
    let config: ModelConfig
    let encoder: NodeEncoder
    let backbone: TransformerEncoder  // transformer
    let deltaHead: Sequential      // delta_head: [D → D] GELU [D → 1]
    let dag: DAGHead
    let pair: PairContext?

    // Construction order is the generator's draw order (the notebook's; the pair context last).
    init(_ config: ModelConfig, rng: inout Xoshiro256) {
        self.config = config
        encoder = NodeEncoder(config, rng: &rng)
        backbone = encoderStack(config, count: config.layers, rng: &rng)
        deltaHead = Sequential([.linear(Linear(config.dModel, config.dModel, rng: &rng)), .gelu,
                                .linear(Linear(config.dModel, 1, rng: &rng))])
        dag = DAGHead(config.dModel, rng: &rng)
        pair = config.pairContext ? PairContext(config, rng: &rng) : nil
    }

    func callAsFunction(_ input: ModelInput, _ ctx: ForwardContext) -> ModelOutput {
        let (x, logits) = trunk(input, ctx)                                             // [B, N, D], [B, N, N]
        let delta = input.delta(deltaHead(x).reshaped([input.batchSize, input.maxNodes]))  // [B, N]
        return ModelOutput(delta: delta, logits: logits, sampledAdjacency: nil)
    }

    func namedParameters(prefix p: String) -> [(String, Tensor)] {
        encoder.namedParameters(prefix: p + "encoder.") + backbone.namedParameters(prefix: p + "transformer.")
            + deltaHead.namedParameters(prefix: p + "delta_head.") + dag.namedParameters(prefix: p)
            + (pair?.namedParameters(prefix: p + "pair_context.") ?? [])
    }
}
