@testable import Models
import NN
import Randomness
import TestSupport
import XCTest

/// Finite differences of the whole `PairContext` (both outputs) with respect to its features
/// and every parameter, independent of the PyTorch fixtures. TestSupport's `checkGradients`:
/// L = Σ bias·w₁ + Σ edge·w₂ with fixed random w, central differences with h = 1e-2 in float32,
/// L summed in Double; truncation ~h²·L''' and rounding ~ulp(L)/h are both ≲ 1e-3 here, a
/// wrong backward is off by O(1), so we require |analytic − numeric| ≤ 3e-3 · (1 + |analytic|).
final class PairContextGradCheckTests: XCTestCase {
    func testPairContextGradientsMatchFiniteDifferences() {
        var config = ModelConfig(variant: .A)
        config.heads = 2
        config.pairHidden = 6
        var rng = Xoshiro256(seed: 21)
        let module = PairContext(config, rng: &rng)
        // Two items, 4 slots; item 1 has 3 real nodes, so the mask and 1/n both matter.
        let (b, n) = (2, 4)
        let real: [Float] = [1, 1, 1, 1, 1, 1, 1, 0]
        let mask = (0..<(b * n * n)).map { e in real[e / n] * real[(e / (n * n)) * n + e % n] }  // [B·N·N]
        let inverseCount: [Float] = [1 / 4, 1 / 3]
        let scaledMask = mask.indices.map { mask[$0] * inverseCount[$0 / (n * n)] }
        let features = Tensor(shape: [b, n, n, PairFeatures.count],
                              scalars: (0..<(b * n * n * PairFeatures.count)).map { _ in Float(rng.nextGaussian()) * 1.5 })
        for p in module.namedParameters().map(\.1) { for i in 0..<p.count { p.data[i] += Float(rng.nextGaussian()) * 0.3 } }

        let inputs = [("features", features)] + module.namedParameters()
        checkGradients(inputs, requireGradient: true) {
            let o = module(features, mask: mask, scaledMask: scaledMask)
            return [o.bias, o.edge]
        }
    }
}
