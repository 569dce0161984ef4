/// Analytic FLOP count of the five variants (2 FLOPs per multiply-add), the numerator of
/// model FLOPs utilisation. Only the products are counted: linear layers (2·M·in·out for M =
/// B·N tokens) and the attention products; element-wise work, softmax, layer norm, the loss
/// and AdamW are not FLOPs in this sense (they are memory-bound, and are what MFU exposes).
///
///   encoder layer  2·M·(3D² + D² + 2·D·F)   in-projection, out-projection, feed-forward
///                + 4·B·N²·D                 Q·Kᵀ and P·V over all heads
///   DAG head       2·M·2D² + 2·B·N²·D       dag_parent, dag_child, their bilinear product
///   features       2·M·6·D                  feature_proj
///   delta head     A, C: 2·M·(D² + D)   B: 2·M·(D·D/2 + D/2)   D: 2·M·D
///                  E: 2·B·(16·64 + 64·D) + 2·M·D
///   layers         A, B, C, E: `layers`;  D: `dagLayers + layers`
///
/// A training step is 3× the forward: backward computes, for every product, the gradient
/// of both operands (input and weight; for attention dS·K, dSᵀ·Q, dO·Vᵀ, Pᵀ·dO), each as
/// large as the forward product.
///
/// The loss's NOTEARS term is counted apart (`matrixExponentials`): per item a Double
/// matrix exponential of 18 Taylor products (plus scaling squarings, ~0–1 at these norms)
/// of n×n matrices, 18·2·n³, with no backward product (the gradient is element-wise).
public enum ModelFlops {
    public static func encoderLayer(_ c: ModelConfig, batch b: Int, nodes n: Int) -> Double {
        encoderLayer(dModel: c.dModel, feedForward: c.feedForward, batch: b, nodes: n)
    }

    public static func encoderLayer(dModel: Int, feedForward: Int, batch b: Int, nodes n: Int) -> Double {
        let m = Double(b * n), d = Double(dModel), f = Double(feedForward)
        return 2 * m * (4 * d * d + 2 * d * f) + 4 * Double(b) * Double(n * n) * d
    }

    public static func forward(_ c: ModelConfig, batch b: Int, nodes n: Int) -> Double {
        let m = Double(b * n), d = Double(c.dModel)
        let features = 2 * m * Double(NodeFeatures.count) * d
        let dag = 2 * m * 2 * d * d + 2 * Double(b) * Double(n * n) * d
        var layers = Double(c.layers)
        let head: Double
        switch c.variant {
        case .A, .C: head = 2 * m * (d * d + d)
        case .B: head = 2 * m * (d * (d / 2).rounded(.down) + (d / 2).rounded(.down))
        case .D:
            layers += Double(c.dagLayers)
            head = 2 * m * d
        case .E:
            let e = Double(c.hyperEmbedding), h = Double(c.hyperHidden)
            head = 2 * Double(b) * (e * h + h * d) + 2 * m * d
        }
        return features + layers * encoderLayer(c, batch: b, nodes: n) + dag + head
    }

    public static func trainingStep(_ c: ModelConfig, batch b: Int, nodes n: Int) -> Double { 3 * forward(c, batch: b, nodes: n) }

    /// The loss's B matrix exponentials (Double, not in `trainingStep`).
    public static func matrixExponentials(batch b: Int, nodes n: Int) -> Double { Double(b) * 18 * 2 * pow3(Double(n)) }

    private static func pow3(_ x: Double) -> Double { x * x * x }
}
