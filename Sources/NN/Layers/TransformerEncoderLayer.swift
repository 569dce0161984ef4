import Randomness

public enum Activation: String, Codable, Sendable {
    case relu, gelu
}

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

    /// x [B, N, D] → [B, N, D]. bias and keyMask as `MultiheadAttention`.
    public func callAsFunction(_ x: Tensor, bias: Tensor? = nil, keyMask: [Float]? = nil, _ ctx: ForwardContext) -> Tensor {
        let sa = selfAttn(x, bias: bias, keyMask: keyMask, ctx)
        let h = norm1(x + sa.dropout(dropout, ctx))
        let ff = feedForward(h, ctx)
        return norm2(h + ff.dropout(dropout, ctx))
    }

    /// The layer on real tokens only: x [M, D] holds rows `rows` of a padded [B, N, D] batch.
    /// Attention runs on the padded layout (keys masked); every per-token op — projections,
    /// layer norms, feed-forward, ~90% of the FLOPs — runs on the M real rows, so padding
    /// costs nothing there. Real rows equal the padded path's.
    func packed(_ x: Tensor, rows: [Int], batch: Int, nodes: Int, bias: Tensor?, keyMask: [Float],
                _ ctx: ForwardContext) -> Tensor {
        let qkv = linear(x, weight: selfAttn.inProjWeight, bias: selfAttn.inProjBias)  // [M, 3D]
        let padded = qkv.scatterRows(rows, rows: batch * nodes).reshaped([batch, nodes, qkv.dim(-1)])  // [B, N, 3D]
        let heads = attention(qkv: padded, heads: selfAttn.heads, bias: bias, keyMask: keyMask,
                              dropout: selfAttn.dropout, ctx)  // [B, N, D]
        let sa = selfAttn.outProj(heads.reshaped([batch * nodes, x.dim(-1)]).gatherRows(rows))  // [M, D]
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

/// `nn.TransformerEncoder(layer, num_layers)` (no final norm): keys `layers.{i}.…`.
public final class TransformerEncoder: Module {
    public let layers: [TransformerEncoderLayer]

    public init(layers: [TransformerEncoderLayer]) { self.layers = layers }

    /// `count` layers. PyTorch deep-copies one freshly initialised layer, so all layers start
    /// equal; `identicalInit` (default true) reproduces that, false draws each independently
    /// (as a `ModuleList` of separately built layers, e.g. Model D's delta layers).
    public convenience init(count: Int, dModel: Int, heads: Int, dimFeedforward: Int = 2048, dropout: Float = 0.1,
                            activation: Activation = .relu, identicalInit: Bool = true, rng: inout Xoshiro256) {
        precondition(count >= 0, "layer count must be non-negative")
        var layers: [TransformerEncoderLayer] = []
        for i in 0..<count {
            let layer = TransformerEncoderLayer(dModel: dModel, heads: heads, dimFeedforward: dimFeedforward,
                                                dropout: dropout, activation: activation, rng: &rng)
            if identicalInit && i > 0 {
                for ((_, dst), (_, src)) in zip(layer.namedParameters(), layers[0].namedParameters()) {
                    dst.data.update(from: src.data, count: src.count)
                }
            }
            layers.append(layer)
        }
        self.init(layers: layers)
    }

    /// x [B, N, D] → [B, N, D]. With padded nodes (keyMask 0) the layers run packed on the
    /// real tokens only (see `TransformerEncoderLayer.packed`) and padded rows come out 0,
    /// as PyTorch's nested-tensor fast path gives them.
    public func callAsFunction(_ x: Tensor, bias: Tensor? = nil, keyMask: [Float]? = nil, _ ctx: ForwardContext) -> Tensor {
        guard let keyMask, keyMask.contains(0), x.rank == 3 else {
            var h = x
            for layer in layers { h = layer(h, bias: bias, keyMask: keyMask, ctx) }
            return h
        }
        let (b, n, d) = (x.shape[0], x.shape[1], x.shape[2])
        let rows = keyMask.indices.filter { keyMask[$0] != 0 }
        var h = x.reshaped([b * n, d]).gatherRows(rows)  // [M, D]
        for layer in layers { h = layer.packed(h, rows: rows, batch: b, nodes: n, bias: bias, keyMask: keyMask, ctx) }
        return h.scatterRows(rows, rows: b * n).reshaped([b, n, d])
    }

    public func namedParameters(prefix: String) -> [(String, Tensor)] {
        layers.enumerated().flatMap { i, l in l.namedParameters(prefix: "\(prefix)layers.\(i).") }
    }
}
