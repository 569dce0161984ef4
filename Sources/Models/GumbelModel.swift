import NN
import Randomness

/// Model C (notebook §4.3): Model A's network plus a Gumbel-sigmoid sample of the adjacency,
/// hard (straight-through) in training. The notebook computes the sample and never uses it,
/// so its C trains exactly like A; here the sample carries the acyclicity and sparsity terms
/// of the loss (see `CausalLoss`), at the temperature `ctx.gumbelTemperature` (which the
/// trainer anneals). Only the loss reads the sample, so an evaluation forward draws none.
final class GumbelModel: CausalModel {
    let base: BaselineModel
    var config: ModelConfig { base.config }

    init(_ config: ModelConfig, rng: inout Xoshiro256) {
        base = BaselineModel(config, rng: &rng)
    }

    func callAsFunction(_ input: ModelInput, _ ctx: ForwardContext) -> ModelOutput {
        let out = base(input, ctx)
        guard ctx.training else { return out }
        let sample = gumbelSigmoid(out.logits, tau: ctx.gumbelTemperature, hard: true, ctx)
        return ModelOutput(delta: out.delta, logits: out.logits, sampledAdjacency: sample)
    }

    func namedParameters(prefix: String) -> [(String, Tensor)] { base.namedParameters(prefix: prefix) }
}
