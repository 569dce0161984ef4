import NN
import Randomness

/// Model B (notebook §4.2): the shared trunk (GELU) and one small MLP per node index
/// (`delta_experts.{i}`: [D → D/2] GELU [D/2 → 1]) for the delta. The experts' weights are
/// stacked (a differentiable copy, ~0.4 M floats) so all nodes run in one per-node product.
final class ExpertsModel: SharedTrunk {
    let config: ModelConfig
    let encoder: NodeEncoder
    let backbone: TransformerEncoder              // transformer
    let experts: [(hidden: Linear, out: Linear)]  // maxNodes × ([D/2, D], [1, D/2])
    let dag: DAGHead
    let pair: PairContext?

    // Construction order is the generator's draw order (the notebook's; the pair context last).
    init(_ config: ModelConfig, rng: inout Xoshiro256) {
        self.config = config
        encoder = NodeEncoder(config, rng: &rng)
        backbone = encoderStack(config, count: config.layers, rng: &rng)
        let d = config.dModel
        experts = (0..<config.maxNodes).map { _ in
            (Linear(d, d / 2, rng: &rng), Linear(d / 2, 1, rng: &rng))
        }
        dag = DAGHead(d, rng: &rng)
        pair = config.pairContext ? PairContext(config, rng: &rng) : nil
    }

    func callAsFunction(_ input: ModelInput, _ ctx: ForwardContext) -> ModelOutput {
        let (x, logits) = trunk(input, ctx)                     // [B, N, D], [B, N, N]
        let used = experts.prefix(input.maxNodes)
        let w1 = stack(used.map { $0.hidden.weight }, axis: 0)  // [N, D/2, D]
        let b1 = stack(used.map { $0.hidden.bias! }, axis: 0)   // [N, D/2]
        let w2 = stack(used.map { $0.out.weight }, axis: 0)     // [N, 1, D/2]
        let b2 = stack(used.map { $0.out.bias! }, axis: 0)      // [N, 1]
        let h = perNodeLinear(x, weight: w1, bias: b1).gelu()   // [B, N, D/2]
        let delta = input.delta(perNodeLinear(h, weight: w2, bias: b2).reshaped([input.batchSize, input.maxNodes]))
        return ModelOutput(delta: delta, logits: logits, sampledAdjacency: nil)
    }

    func namedParameters(prefix p: String) -> [(String, Tensor)] {
        var params = encoder.namedParameters(prefix: p + "encoder.") + backbone.namedParameters(prefix: p + "transformer.")
        for (i, e) in experts.enumerated() {
            params += e.hidden.namedParameters(prefix: p + "delta_experts.\(i).0.")
            params += e.out.namedParameters(prefix: p + "delta_experts.\(i).2.")
        }
        return params + dag.namedParameters(prefix: p) + (pair?.namedParameters(prefix: p + "pair_context.") ?? [])
    }
}
