import NN
import Randomness

/// The pair context's layout of its [B, N, N] pairs (`ModelInput.pairLayout`).
public enum PairLayout: Sendable {
    /// Every pair of the padded grid, as the PyTorch reference (its padded outputs included).
    case padded
    /// The real pairs only (both nodes real), through one fused op per item (`pairNetwork`);
    /// outputs exactly 0 at padded pairs.
    case packed
}

/// The pair-context module (`ModelConfig.pairContext`; not in the seed). Each ordered pair's
/// `PairFeatures` are embedded by a small MLP shared over pairs, refined by one triangle
/// update, and the embedding then gives every attention layer an additive per-head bias
/// (query i, key j) and the DAG head an additive edge term (parent i, child j).
///
/// Why the triangle update: do(i) moves every descendant of i, so "j responds to i" says
/// i ⇝ j, not i → j. Whether the effect is direct depends on the other nodes k — does i move
/// k and k move j? — a sum over k of products of pair (i, k) and pair (k, j) quantities,
/// e_ij += GELU(W_o · (1/n) Σ_k (W_a e_ik) ⊙ (W_b e_kj)), which per-node tokens cannot form.
/// (A transitive reduction through the intervened nodes alone takes the held-out SHD of the
/// n10 suite from the empty graph's 13.25 to 9.3.)
final class PairContext: Module {
    let proj: Linear       // proj [P, F] (F = PairFeatures.width(config.pairFeatures))
    let left: Linear       // triangle_left [P, P]
    let right: Linear      // triangle_right [P, P]
    let out: Linear        // triangle_out [P, P]
    let attention: Linear  // attention [H, P]
    let edge: Linear       // edge [1, P]

    init(_ config: ModelConfig, rng: inout Xoshiro256) {
        let p = config.pairHidden
        proj = Linear(PairFeatures.width(config.pairFeatures), p, rng: &rng)
        left = Linear(p, p, rng: &rng)
        right = Linear(p, p, rng: &rng)
        out = Linear(p, p, rng: &rng)
        attention = Linear(p, config.heads, rng: &rng)
        edge = Linear(p, 1, rng: &rng)
    }

    /// features [B, N, N, F], mask [B·N·N] (1 where both nodes are real), scaledMask
    /// [B·N·N] (mask / the item's node count) → (attention bias [B, H, N, N], edge logits [B, N, N]).
    ///
    /// `nodeCounts` nil: the padded layout, every pair of the grid through every op (the
    /// PyTorch reference's, padded outputs included). `nodeCounts` given (each item's real
    /// nodes, its first ones): the packed layout — the whole per-pair network as one fused op
    /// (`pairNetwork`) on each item's real pairs, both outputs exactly 0 at padded pairs; real
    /// entries equal the padded layout's up to rounding. The features are then data: no
    /// gradient flows into them.
    func callAsFunction(_ features: Tensor, mask: [Float], scaledMask: [Float], nodeCounts: [Int]? = nil) -> (bias: Tensor, edge: Tensor) {
        let (b, n) = (features.shape[0], features.shape[1])
        let h = attention.weight.dim(0)
        guard let nodeCounts else {
            var e = linearGELU(proj, features)                                              // [B, N, N, P]
            let ac = stackedLinear([left, right], e)                                        // [B, N, N, 2P]
            let t = triangleProduct(ac, aScale: scaledMask, cScale: mask)                   // [B, N, N, P] mean over k
            e = e + linearGELU(out, t)
            let bias = attention(e).permuted([0, 3, 1, 2])               // [B, H, N, N]
            return (bias, edge(e).reshaped([b, n, n]))
        }
        let y = pairNetwork(features, nodeCounts: nodeCounts, proj: (proj.weight, proj.bias!),
                            triangle: (concat([left.weight, right.weight], axis: 0), concat([left.bias!, right.bias!], axis: 0)),
                            out: (out.weight, out.bias!),
                            head: (concat([attention.weight, edge.weight], axis: 0), concat([attention.bias!, edge.bias!], axis: 0)))  // [B, N, N, H+1]
        let bias = y.narrowed(axis: 3, start: 0, length: h).permuted([0, 3, 1, 2])          // [B, H, N, N]
        return (bias, y.narrowed(axis: 3, start: h, length: 1).reshaped([b, n, n]))
    }

    /// The `layers` applied to x as one product: weights and biases stacked on the output axis.
    private func stackedLinear(_ layers: [Linear], _ x: Tensor) -> Tensor {
        let biases = layers.compactMap(\.bias)
        precondition(biases.isEmpty || biases.count == layers.count, "stackedLinear: some layers have no bias")
        return linear(x, weight: concat(layers.map(\.weight), axis: 0), bias: biases.isEmpty ? nil : concat(biases, axis: 0))
    }

    /// GELU(layer(x)), the bias and GELU fused in one pass (and the GELU slope kept for backward).
    private func linearGELU(_ layer: Linear, _ x: Tensor) -> Tensor {
        guard let bias = layer.bias else { return layer(x).gelu() }
        return biasActivationDropout(linear(x, weight: layer.weight, bias: nil), bias: bias, activation: .gelu, dropout: 0,
                                     ForwardContext.evaluation())
    }

    func namedParameters(prefix: String) -> [(String, Tensor)] {
        proj.namedParameters(prefix: prefix + "proj.")
            + left.namedParameters(prefix: prefix + "triangle_left.")
            + right.namedParameters(prefix: prefix + "triangle_right.")
            + out.namedParameters(prefix: prefix + "triangle_out.")
            + attention.namedParameters(prefix: prefix + "attention.")
            + edge.namedParameters(prefix: prefix + "edge.")
    }
}
