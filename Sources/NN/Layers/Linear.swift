import Randomness

/// `nn.Linear`: y = x·Wᵀ + b, weight [out, in], bias [out]; PyTorch's init
/// (weight kaiming-uniform, bias U(±1/√in)).
public final class Linear: Module {
    public let weight: Tensor  // [Out, In]
    public let bias: Tensor?   // [Out]

    public init(_ inFeatures: Int, _ outFeatures: Int, bias hasBias: Bool = true, rng: inout Xoshiro256) {
        precondition(inFeatures > 0 && outFeatures > 0, "Linear(\(inFeatures), \(outFeatures)): sizes must be positive")
        weight = Init.parameter([outFeatures, inFeatures])
        Init.kaimingLinear(weight, &rng)
        bias = hasBias ? Init.parameter([outFeatures]) : nil
        if let bias { Init.uniform(bias, bound: 1 / Float(inFeatures).squareRoot(), &rng) }
    }

    public var inFeatures: Int { weight.shape[1] }
    public var outFeatures: Int { weight.shape[0] }

    public func callAsFunction(_ x: Tensor) -> Tensor { linear(x, weight: weight, bias: bias) }

    public func namedParameters(prefix: String) -> [(String, Tensor)] {
        [(prefix + "weight", weight)] + (bias.map { [(prefix + "bias", $0)] } ?? [])
    }
}
