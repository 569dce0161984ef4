import Randomness

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
    /// real tokens only (`TokenLayout.packed`) and padded rows come out 0, as PyTorch's
    /// nested-tensor fast path gives them.
    public func callAsFunction(_ x: Tensor, bias: Tensor? = nil, keyMask: [Float]? = nil, _ ctx: ForwardContext) -> Tensor {
        guard let keyMask, keyMask.contains(0), x.rank == 3 else {
            var h = x
            for layer in layers { h = layer(h, bias: bias, keyMask: keyMask, ctx) }
            return h
        }
        let (b, n, d) = (x.shape[0], x.shape[1], x.shape[2])
        let rows = keyMask.indices.filter { keyMask[$0] != 0 }
        var h = x.reshaped([b * n, d]).gatherRows(rows)  // [M, D]
        let layout = TokenLayout.packed(rows: rows, batch: b, nodes: n)
        for layer in layers { h = layer(h, layout: layout, bias: bias, keyMask: keyMask, ctx) }
        return h.scatterRows(rows, rows: b * n).reshaped([b, n, d])
    }

    public func namedParameters(prefix: String) -> [(String, Tensor)] {
        layers.enumerated().flatMap { i, l in l.namedParameters(prefix: "\(prefix)layers.\(i).") }
    }
}
