@testable import Models
import NN
import Randomness
import XCTest

/// Finite differences of the whole `PairContext` (both outputs) with respect to its features
/// and every parameter, independent of the PyTorch fixtures. Same scheme as NNTests' GradCheck:
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

        let outputs = { module(features, mask: mask, scaledMask: scaledMask) }
        let probe = outputs()
        let w1 = (0..<probe.bias.count).map { _ in Float(rng.nextDouble() * 2 - 1) }
        let w2 = (0..<probe.edge.count).map { _ in Float(rng.nextDouble() * 2 - 1) }
        func loss() -> Double {
            let o = Tape.withoutRecording { outputs() }
            var s = 0.0
            for i in 0..<o.bias.count { s += Double(o.bias.data[i]) * Double(w1[i]) }
            for i in 0..<o.edge.count { s += Double(o.edge.data[i]) * Double(w2[i]) }
            return s
        }

        let inputs = [("features", features)] + module.namedParameters()
        for (_, t) in inputs { t.requiresGrad = true; t.zeroGrad() }
        let o = outputs()
        ((o.bias * Tensor(shape: o.bias.shape, scalars: w1)).sum() + (o.edge * Tensor(shape: o.edge.shape, scalars: w2)).sum()).backward()
        let h: Float = 1e-2
        for (name, t) in inputs {
            let analytic = t.gradScalars ?? [Float](repeating: 0, count: t.count)
            XCTAssertTrue(analytic.contains { $0 != 0 }, "\(name): no gradient")
            for i in 0..<t.count {
                let old = t.data[i]
                t.data[i] = old + h
                let lp = loss()
                t.data[i] = old - h
                let lm = loss()
                t.data[i] = old
                let numeric = Float((lp - lm) / Double(2 * h))
                if abs(numeric - analytic[i]) > 3e-3 * (1 + abs(analytic[i])) {
                    XCTFail("\(name) \(t.shape) element \(i): analytic \(analytic[i]), numeric \(numeric)")
                    break
                }
            }
        }
    }
}
