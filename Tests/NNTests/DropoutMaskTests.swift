import Randomness
import TestSupport
import XCTest
@testable import NN

/// The counter-based dropout mask: one generator draw per mask, bits recomputed from the
/// element index. These check it is a fair, independent Bernoulli(1 − p) per element and that
/// forward and backward (and every chunking of the work) see the same bits.
final class DropoutMaskTests: XCTestCase {
    private let n = 200_000

    private func keeps(_ mask: DropoutMask) -> [Bool] { (0..<n).map { mask.keeps(UInt32($0)) } }

    /// |observed − expected| within 5 standard errors of a frequency over `trials`.
    private func assertFrequency(_ hits: Int, _ trials: Int, _ p: Double, _ what: String) {
        let se = (p * (1 - p) / Double(trials)).squareRoot()
        XCTAssertEqual(Double(hits) / Double(trials), p, accuracy: 5 * se, what)
    }

    func testKeepFractionIsOneMinusPForSmallAndLargeP() {
        var rng = Xoshiro256(seed: 21)
        for p: Float in [0.01, 0.1, 0.5, 0.9] {
            let k = keeps(DropoutMask(p: p, rng: &rng))
            assertFrequency(k.filter { $0 }.count, n, 1 - Double(p), "p = \(p)")
        }
    }

    func testNeighbouringElementsAndSuccessiveMasksAreIndependent() {
        var rng = Xoshiro256(seed: 22)
        let p: Float = 0.3, q = 1 - Double(p)
        let a = keeps(DropoutMask(p: p, rng: &rng)), b = keeps(DropoutMask(p: p, rng: &rng))
        // Neighbours (and elements 2¹⁶ apart, where a weak hash of a counter would repeat).
        for lag in [1, 2, 16, 1 << 16] {
            let both = (0..<(n - lag)).filter { a[$0] && a[$0 + lag] }.count
            assertFrequency(both, n - lag, q * q, "lag \(lag)")
        }
        // The same element in two masks drawn one after the other (two layers of a step).
        assertFrequency((0..<n).filter { a[$0] && b[$0] }.count, n, q * q, "successive masks")
        XCTAssertNotEqual(a, b)
    }

    func testSameSeedGivesTheSameMaskAndEachMaskUsesOneDraw() {
        var r1 = Xoshiro256(seed: 23), r2 = Xoshiro256(seed: 23)
        XCTAssertEqual(keeps(DropoutMask(p: 0.2, rng: &r1)), keeps(DropoutMask(p: 0.2, rng: &r2)))
        var r3 = Xoshiro256(seed: 23)
        _ = r3.next()
        XCTAssertEqual(r1, r3)  // resume exactness depends only on the generator state
    }

    func testApplyAtAnOffsetUsesThoseElementsBits() {
        var rng = Xoshiro256(seed: 24)
        let mask = DropoutMask(p: 0.5, rng: &rng)
        let ones = [Float](repeating: 1, count: 1000)
        var whole = [Float](repeating: 0, count: 1000), tail = [Float](repeating: 0, count: 400)
        whole.withUnsafeMutableBufferPointer { mask.apply(ones, $0.baseAddress!, n: 1000) }
        tail.withUnsafeMutableBufferPointer { mask.apply(ones, $0.baseAddress!, offset: 600, n: 400) }
        XCTAssertEqual(Array(whole[600...]), tail)
        XCTAssertTrue(whole.allSatisfy { $0 == 0 || $0 == 2 })
    }

    /// The fused feed-forward kernel stores GELU's slope in the forward; its gradient must
    /// equal the unfused ops' (x + b).gelu().dropout() with the same draw.
    func testFusedGeluDropoutGradientMatchesTheUnfusedOps() {
        let f = 96
        let x = randomTensor([7, f], seed: 25, scale: 3), b = randomTensor([f], seed: 26)
        x.requiresGrad = true
        b.requiresGrad = true
        let seedGrad = randomTensor([7, f], seed: 27).scalars
        biasActivationDropout(x, bias: b, activation: .gelu, dropout: 0.25,
                              ForwardContext(training: true, rng: Xoshiro256(seed: 28))).backward(seed: seedGrad)
        let fused = (x.gradScalars!, b.gradScalars!)
        x.zeroGrad()
        b.zeroGrad()
        (x + b).gelu().dropout(0.25, ForwardContext(training: true, rng: Xoshiro256(seed: 28))).backward(seed: seedGrad)
        for (got, want) in [(fused.0, x.gradScalars!), (fused.1, b.gradScalars!)] {
            XCTAssertEqual(got.count, want.count)
            XCTAssertLessThan(relativeError(got, want.map(Double.init)), 1e-6)
        }
        XCTAssertTrue(fused.0.contains(0) && fused.0.contains { $0 != 0 })  // some dropped, some kept
    }

    func testFusedKernelMaskDoesNotDependOnTheThreadCount() {
        func run(_ threads: Int) -> [Float] {
            Threads.setCount(threads)
            defer { Threads.setCount(1) }
            let x = randomTensor([64, 512], seed: 29), b = randomTensor([512], seed: 30)
            return biasActivationDropout(x, bias: b, activation: .relu, dropout: 0.1,
                                         ForwardContext(training: true, rng: Xoshiro256(seed: 31))).scalars
        }
        XCTAssertEqual(run(1), run(2))
    }
}
