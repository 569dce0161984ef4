import Randomness

/// `nn.TransformerEncoderLayer(d, heads, dim_feedforward, dropout, activation,
/// batch_first=True)` with PyTorch's default post-norm:
///   x = norm1(x + dropout1(self_attn(x)))
///   x = norm2(x + dropout2(linear2(dropout(activation(linear1(x))))))
/// plus the attention-probability dropout inside self_attn. Dropout only in training.
public final class TransformerEncoderLayer: Module {
    public let selfAttn: MultiheadAttention
    public let linear1: Linear  // [FF, D]
    public let linear2: Linear  // [D, FF]
    public let norm1: LayerNorm
    public let norm2: LayerNorm
    public let activation: Activation
    public let dropout: Float

    public init(dModel: Int, heads: Int, dimFeedforward: Int = 2048, dropout: Float = 0.1,
                activation: Activation = .relu, rng: inout Xoshiro256) {
        selfAttn = MultiheadAttention(dModel, heads: heads, dropout: dropout, rng: &rng)
        linear1 = Linear(dModel, dimFeedforward, rng: &rng)
        linear2 = Linear(dimFeedforward, dModel, rng: &rng)
        norm1 = LayerNorm(dModel)
        norm2 = LayerNorm(dModel)
        self.activation = activation
        self.dropout = dropout
    }

    /// x [B, N, D] (or [M, D] packed, see `TokenLayout`) → the same shape. bias and keyMask as
    /// `MultiheadAttention`; they always describe the padded [B, N] grid.
    public func callAsFunction(_ x: Tensor, layout: TokenLayout = .padded, bias: Tensor? = nil, keyMask: [Float]? = nil,
                               _ ctx: ForwardContext) -> Tensor {
        let sa = selfAttn(x, layout: layout, bias: bias, keyMask: keyMask, ctx)
        let h = norm1(x + sa.dropout(dropout, ctx))
        let ff = feedForward(h, ctx)
        return norm2(h + ff.dropout(dropout, ctx))
    }

    /// linear2(dropout(activation(linear1(h)))), linear1's bias fused into the activation.
    func feedForward(_ h: Tensor, _ ctx: ForwardContext) -> Tensor {
        let a = linear(h, weight: linear1.weight, bias: nil)  // [B, N, FF]
        let act = biasActivationDropout(a, bias: linear1.bias!, activation: activation, dropout: dropout, ctx)
        return linear2(act)
    }

    public func namedParameters(prefix: String) -> [(String, Tensor)] {
        selfAttn.namedParameters(prefix: prefix + "self_attn.")
            + linear1.namedParameters(prefix: prefix + "linear1.")
            + linear2.namedParameters(prefix: prefix + "linear2.")
            + norm1.namedParameters(prefix: prefix + "norm1.")
            + norm2.namedParameters(prefix: prefix + "norm2.")
    }
}
