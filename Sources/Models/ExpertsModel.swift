import NN
import Randomness

/// Model B (notebook §4.2): Model A's backbone and DAG head, and one small MLP per node index
/// (`delta_experts.{i}`: [D → D/2] GELU [D/2 → 1]) for the delta. The experts' weights are
/// stacked (a differentiable copy, ~0.4 M floats) so all nodes run in one per-node product.
final class ExpertsModel: CausalModel {
    let config: ModelConfig
    let encoder: NodeEncoder
    let transformer: TransformerEncoder
    let experts: [(hidden: Linear, out: Linear)]  // maxNodes × ([D/2, D], [1, D/2])
    let dag: DAGHead
    let pair: PairContext?  // created last: the notebook's parameters initialise as without it

    init(_ config: ModelConfig, rng: inout Xoshiro256) {
        self.config = config
        encoder = NodeEncoder(config, rng: &rng)
        transformer = encoderStack(config, count: config.layers, rng: &rng)
        let d = config.dModel
        experts = (0..<config.maxNodes).map { _ in
            (Linear(d, d / 2, rng: &rng), Linear(d / 2, 1, rng: &rng))
        }
        dag = DAGHead(d, rng: &rng)
        pair = config.pairContext ? PairContext(config, rng: &rng) : nil
    }

    func callAsFunction(_ input: ModelInput, _ ctx: ForwardContext) -> ModelOutput {
        let context = pairTerms(pair, input)
        let x = transformer(encoder(input), bias: context.bias, keyMask: input.keyMask, ctx)  // [B, N, D]
        let used = experts.prefix(input.maxNodes)
        let w1 = stack(used.map { $0.hidden.weight }, axis: 0)  // [N, D/2, D]
        let b1 = stack(used.map { $0.hidden.bias! }, axis: 0)   // [N, D/2]
        let w2 = stack(used.map { $0.out.weight }, axis: 0)     // [N, 1, D/2]
        let b2 = stack(used.map { $0.out.bias! }, axis: 0)      // [N, 1]
        let h = perNodeLinear(x, weight: w1, bias: b1).gelu()   // [B, N, D/2]
        let delta = input.delta(perNodeLinear(h, weight: w2, bias: b2).reshaped([input.batchSize, input.maxNodes]))
        return ModelOutput(delta: delta, logits: withEdgeTerm(dag(x), context.edge), sampledAdjacency: nil)
    }

    func namedParameters(prefix: String) -> [(String, Tensor)] {
        var params = encoder.namedParameters() + transformer.namedParameters(prefix: "transformer.")
        for (i, e) in experts.enumerated() {
            params += e.hidden.namedParameters(prefix: "delta_experts.\(i).0.")
            params += e.out.namedParameters(prefix: "delta_experts.\(i).2.")
        }
        return params + dag.namedParameters() + (pair?.namedParameters() ?? [])
    }
}
