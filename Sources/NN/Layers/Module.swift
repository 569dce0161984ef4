import Randomness

/// A layer or model: owns parameters and lists them, in a fixed order, under the PyTorch
/// `state_dict` keys of the reference module (`prefix` + local name, e.g.
/// `transformer.layers.0.linear1.weight`).
public protocol Module: AnyObject {
    func namedParameters(prefix: String) -> [(String, Tensor)]
}

extension Module {
    /// All parameters with their keys, from the root.
    public func namedParameters() -> [(String, Tensor)] { namedParameters(prefix: "") }
    public var parameters: [Tensor] { namedParameters().map(\.1) }
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.count } }
    public func zeroGrad() { for p in parameters { p.zeroGrad() } }
}

/// Initialisers of PyTorch's default schemes, drawing from an explicit generator.
enum Init {
    static func parameter(_ shape: [Int]) -> Tensor { Tensor(zeros: shape, requiresGrad: true) }

    /// U(−bound, bound).
    static func uniform(_ t: Tensor, bound: Float, _ rng: inout Xoshiro256) {
        for i in 0..<t.count { t.data[i] = Float((rng.nextDouble() * 2 - 1) * Double(bound)) }
    }

    /// kaiming_uniform_(a=√5) on a [out, in] weight, as `nn.Linear`: bound 1/√in.
    static func kaimingLinear(_ t: Tensor, _ rng: inout Xoshiro256) {
        uniform(t, bound: 1 / Float(t.shape[1]).squareRoot(), &rng)
    }

    /// xavier_uniform_: bound √(6/(in + out)).
    static func xavier(_ t: Tensor, _ rng: inout Xoshiro256) {
        uniform(t, bound: (6 / Float(t.shape[0] + t.shape[1])).squareRoot(), &rng)
    }

    static func normal(_ t: Tensor, _ rng: inout Xoshiro256) {
        rng.fillGaussian(UnsafeMutableBufferPointer(start: t.data, count: t.count))
    }

    static func fill(_ t: Tensor, _ v: Float) { t.data.update(repeating: v, count: t.count) }
}
