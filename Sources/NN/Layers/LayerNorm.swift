/// `nn.LayerNorm` over the last dimension, eps 1e-5, weight 1 and bias 0.
public final class LayerNorm: Module {
    public let weight: Tensor  // [D]
    public let bias: Tensor    // [D]
    public let eps: Float

    public init(_ dim: Int, eps: Float = 1e-5) {
        weight = Init.parameter([dim])
        Init.fill(weight, 1)
        bias = Init.parameter([dim])
        self.eps = eps
    }

    public func callAsFunction(_ x: Tensor) -> Tensor { layerNorm(x, weight: weight, bias: bias, eps: eps) }

    public func namedParameters(prefix: String) -> [(String, Tensor)] {
        [(prefix + "weight", weight), (prefix + "bias", bias)]
    }
}
