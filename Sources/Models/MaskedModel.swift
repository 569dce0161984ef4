import NN
import Randomness

/// Model D (notebook §4.4): stage 1 predicts the DAG (2 layers + bilinear head); stage 2's
/// layers attend with an additive bias from the predicted adjacency, (1 − σ(logits))·(−10).
/// The notebook computes that bias and never passes it to its layers; here every stage-2
/// layer uses it.
///
/// Direction: child → parent. Query node i attends key j with bias −10·(1 − σ(l[j, i])), i.e.
/// i listens to its predicted parents, because under do(·) a node's change is a function of
/// its parents' changes; information then flows from the target down the predicted edges,
/// one hop per layer. The diagonal bias is 0, so a node always attends itself (σ(l[i, i]) is
/// trained towards 0 and would otherwise silence each node's own token). Gradients of the
/// delta loss flow through the bias into stage 1. Activation: PyTorch's default ReLU.
final class MaskedModel: CausalModel {
    let config: ModelConfig
    let encoder: NodeEncoder
    let dagBackbone: TransformerEncoder
    let dag: DAGHead
    let deltaLayers: TransformerEncoder  // a ModuleList: layers initialised independently
    let deltaHead: Linear                // [1, D]
    let pair: PairContext?

    static let biasScale: Float = -10

    // Construction order is the generator's draw order (the notebook's; the pair context last).
    init(_ config: ModelConfig, rng: inout Xoshiro256) {
        self.config = config
        encoder = NodeEncoder(config, rng: &rng)
        dagBackbone = encoderStack(config, count: config.dagLayers, rng: &rng)
        dag = DAGHead(config.dModel, rng: &rng)
        deltaLayers = encoderStack(config, count: config.layers, identicalInit: false, rng: &rng)
        deltaHead = Linear(config.dModel, 1, rng: &rng)
        pair = config.pairContext ? PairContext(config, rng: &rng) : nil
    }

    func callAsFunction(_ input: ModelInput, _ ctx: ForwardContext) -> ModelOutput {
        let z = encoder(input)                                          // [B, N, D]
        let context = pairTerms(pair, input)                            // [B, H, N, N], [B, N, N]
        let logits = withEdgeTerm(dag(dagBackbone(z, bias: context.bias, keyMask: input.keyMask, ctx)), context.edge)
        let structural = config.structuralBias ? attentionBias(logits, nodes: input.maxNodes) : nil  // [B, N, N]
        let bias: Tensor?
        switch (structural, context.bias) {
        case let (s?, p?): bias = s.reshaped([input.batchSize, 1, input.maxNodes, input.maxNodes]) + p  // [B, H, N, N]
        case let (s, p): bias = s ?? p
        }
        let x = deltaLayers(z, bias: bias, keyMask: input.keyMask, ctx)
        let delta = input.delta(deltaHead(x).reshaped([input.batchSize, input.maxNodes]))
        return ModelOutput(delta: delta, logits: logits, sampledAdjacency: nil)
    }

    /// bias[b, i, j] = −10·(1 − σ(logits[b, j, i])) off the diagonal, 0 on it.
    func attentionBias(_ logits: Tensor, nodes n: Int) -> Tensor {
        var offDiagonal = [Float](repeating: 1, count: n * n)
        for i in 0..<n { offDiagonal[i * n + i] = 0 }
        let mask = Tensor(shape: [1, n, n], scalars: offDiagonal)
        let parentProb = logits.transposedLastTwo().sigmoid()  // [B, N, N] σ(l[j, i]) at (i, j)
        return affine(parentProb, scale: -Self.biasScale, shift: Self.biasScale) * mask
    }

    func namedParameters(prefix p: String) -> [(String, Tensor)] {
        var params = encoder.namedParameters(prefix: p + "encoder.") + dagBackbone.namedParameters(prefix: p + "dag_backbone.")
            + dag.namedParameters(prefix: p)
        for (i, layer) in deltaLayers.layers.enumerated() {  // an nn.ModuleList: no `layers.` level of its own
            params += layer.namedParameters(prefix: p + "delta_layers.\(i).")
        }
        return params + deltaHead.namedParameters(prefix: p + "delta_head.") + (pair?.namedParameters(prefix: p + "pair_context.") ?? [])
    }
}
