import NN
import Randomness

/// Model A (notebook §4): shared transformer (GELU), delta head Linear–GELU–Linear, bilinear
/// DAG head.
final class BaselineModel: CausalModel {
    let config: ModelConfig
    let encoder: NodeEncoder
    let transformer: TransformerEncoder
    let deltaHead: Sequential  // delta_head: [D → D] GELU [D → 1]
    let dag: DAGHead
    let pair: PairContext?  // created last: the notebook's parameters initialise as without it

    init(_ config: ModelConfig, rng: inout Xoshiro256) {
        self.config = config
        encoder = NodeEncoder(config, rng: &rng)
        transformer = encoderStack(config, count: config.layers, rng: &rng)
        deltaHead = Sequential([.linear(Linear(config.dModel, config.dModel, rng: &rng)), .gelu,
                                .linear(Linear(config.dModel, 1, rng: &rng))])
        dag = DAGHead(config.dModel, rng: &rng)
        pair = config.pairContext ? PairContext(config, rng: &rng) : nil
    }

    func callAsFunction(_ input: ModelInput, _ ctx: ForwardContext) -> ModelOutput {
        let context = pairTerms(pair, input)
        let x = transformer(encoder(input), bias: context.bias, keyMask: input.keyMask, ctx)  // [B, N, D]
        let delta = input.delta(deltaHead(x).reshaped([input.batchSize, input.maxNodes]))
        return ModelOutput(delta: delta, logits: withEdgeTerm(dag(x), context.edge), sampledAdjacency: nil)
    }

    func namedParameters(prefix: String) -> [(String, Tensor)] {
        encoder.namedParameters() + transformer.namedParameters(prefix: "transformer.")
            + deltaHead.namedParameters(prefix: "delta_head.") + dag.namedParameters() + (pair?.namedParameters() ?? [])
    }
}
