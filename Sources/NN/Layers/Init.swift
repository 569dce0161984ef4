import Randomness

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
