import Randomness
import TestSupport
import XCTest
@testable import NN

/// Backwards that *store* the first gradient into an unzeroed buffer (linear's products with
/// beta 0, the fused feed-forward kernel) must still add every later one: a tensor used by
/// several ops gets the sum, whichever op's gradient arrives first.
final class FirstGradientTests: XCTestCase {
    func testGradientsOfATensorUsedByStoringAndAddingOpsAreSummed() {
        let x = randomTensor([6, 8], seed: 40), w1 = randomTensor([5, 8], seed: 41), w2 = randomTensor([8, 8], seed: 42)
        let b = randomTensor([8], seed: 43)
        for i in 0..<x.count where abs(x.data[i] + b.data[i % 8]) < 0.05 { x.data[i] += 0.3 }
        let ctx = { ForwardContext(training: false, rng: Xoshiro256(seed: 44)) }
        // x feeds two linears and the fused kernel; w1 is used twice.
        checkGradients([x, w1, w2, b]) {
            let a = linear(x, weight: w1, bias: nil)                                 // [6, 5]
            let c = linear(linear(x, weight: w2, bias: nil), weight: w1, bias: nil)  // [6, 5]
            let g = biasActivationDropout(x, bias: b, activation: .gelu, dropout: 0, ctx())  // [6, 8]
            return concat([a + c, g], axis: 1)
        }
    }

    func testASecondBackwardAccumulatesOntoTheFirst() {
        let x = randomTensor([4, 16], seed: 45), w = randomTensor([3, 16], seed: 46), b = randomTensor([16], seed: 47)
        x.requiresGrad = true
        w.requiresGrad = true
        func run() {
            let ctx = ForwardContext(training: true, rng: Xoshiro256(seed: 48))
            linear(biasActivationDropout(x, bias: b, activation: .gelu, dropout: 0.2, ctx), weight: w, bias: nil).sum().backward()
        }
        run()
        let once = (x.gradScalars!, w.gradScalars!)
        run()
        XCTAssertEqual(x.gradScalars!, once.0.map { $0 + $0 })
        XCTAssertEqual(w.gradScalars!, once.1.map { $0 + $0 })
        XCTAssertTrue(once.0.contains { $0 != 0 })
    }

    /// Same-shape arithmetic, layer norm, dropout and attention's qkv also store a first
    /// gradient: a tensor reaching them several times, first or not, gets the sum (x + x among them).
    func testStoringArithmeticNormDropoutAndAttentionGradientsAreSummed() {
        let x = randomTensor([2, 4, 12], seed: 50), y = randomTensor([2, 4, 12], seed: 51)
        let w = randomTensor([12], seed: 52), bias = randomTensor([12], seed: 53)
        for i in 0..<y.count where abs(y.data[i]) < 0.3 { y.data[i] += y.data[i] < 0 ? -0.5 : 0.5 }  // x / y stays smooth
        checkGradients([x, y, w, bias]) {
            let ctx = ForwardContext(training: true, rng: Xoshiro256(seed: 54))  // the same mask every evaluation
            let twice = x + x, d = y - x, p = x * y, q = x / y
            let n = layerNorm(x + twice, weight: w, bias: bias)
            let dropped = (p + n).dropout(0.3, ctx)
            let a = attention(qkv: concat([q, d, dropped], axis: 2), heads: 2)  // [2, 4, 4]
            return concat([a, d, dropped, twice], axis: 2)
        }
    }
}
