import NN
import Randomness

/// Model C (notebook §4.3): Model A's network plus a Gumbel-sigmoid sample of the adjacency,
/// hard (straight-through) in training. The notebook computes the sample and never uses it,
/// so its C trains exactly like A; here the sample carries the acyclicity and sparsity terms
/// of the loss (see `CausalLoss`), and its temperature `tau` is annealed by the trainer.
final class GumbelModel: CausalModel {
    let base: BaselineModel
    var config: ModelConfig { base.config }
    var tau: Float = 1

    init(_ config: ModelConfig, rng: inout Xoshiro256) {
        base = BaselineModel(config, rng: &rng)
    }

    func callAsFunction(_ input: ModelInput, _ ctx: ForwardContext) -> ModelOutput {
        let out = base(input, ctx)
        let sample = gumbelSigmoid(out.logits, tau: tau, hard: ctx.training, ctx)
        return ModelOutput(delta: out.delta, logits: out.logits, sampledAdjacency: sample)
    }

    func namedParameters(prefix: String) -> [(String, Tensor)] { base.namedParameters(prefix: prefix) }
}
