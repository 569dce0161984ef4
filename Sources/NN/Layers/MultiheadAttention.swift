import Randomness

/// `nn.MultiheadAttention(d, heads, dropout, batch_first=True)` used as self-attention:
/// packed `in_proj_weight` [3D, D] (xavier-uniform) and `in_proj_bias` [3D] (zero),
/// `out_proj` Linear(D, D) with zero bias. Dropout acts on the attention probabilities.
public final class MultiheadAttention: Module {
    public let inProjWeight: Tensor  // [3D, D]
    public let inProjBias: Tensor    // [3D]
    public let outProj: Linear
    public let heads: Int
    public let dropout: Float

    public init(_ dModel: Int, heads: Int, dropout: Float = 0, rng: inout Xoshiro256) {
        precondition(heads > 0 && dModel % heads == 0, "MultiheadAttention: width \(dModel) not divisible by \(heads) heads")
        inProjWeight = Init.parameter([3 * dModel, dModel])
        Init.xavier(inProjWeight, &rng)
        inProjBias = Init.parameter([3 * dModel])
        outProj = Linear(dModel, dModel, rng: &rng)
        Init.fill(outProj.bias!, 0)
        self.heads = heads
        self.dropout = dropout
    }

    /// Self-attention of x [B, N, D] (or its real rows [M, D], `layout` packed); optional
    /// additive bias [B, H, N, N] or [B, N, N] and key mask [B·N] (1 = real node, 0 = padded)
    /// → the shape of x.
    public func callAsFunction(_ x: Tensor, layout: TokenLayout = .padded, bias: Tensor? = nil, keyMask: [Float]? = nil,
                               _ ctx: ForwardContext) -> Tensor {
        let qkv = linear(x, weight: inProjWeight, bias: inProjBias)  // [B, N, 3D] or [M, 3D]
        switch layout {
        case .padded:
            let heads = attention(qkv: qkv, heads: heads, bias: bias, keyMask: keyMask, dropout: dropout, ctx)  // [B, N, D]
            return outProj(heads)
        case let .packed(rows, batch, nodes):
            let grid = qkv.scatterRows(rows, rows: batch * nodes).reshaped([batch, nodes, qkv.dim(-1)])  // [B, N, 3D]
            let heads = attention(qkv: grid, heads: heads, bias: bias, keyMask: keyMask, dropout: dropout, ctx)  // [B, N, D]
            return outProj(heads.reshaped([batch * nodes, x.dim(-1)]).gatherRows(rows))  // [M, D]
        }
    }

    public func namedParameters(prefix: String) -> [(String, Tensor)] {
        [(prefix + "in_proj_weight", inProjWeight), (prefix + "in_proj_bias", inProjBias)]
            + outProj.namedParameters(prefix: prefix + "out_proj.")
    }
}
