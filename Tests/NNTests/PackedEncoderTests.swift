import Randomness
import TestSupport
import XCTest
@testable import NN

/// A padded batch runs the encoder stack packed (per-token ops on real tokens only); real
/// rows must equal the plain padded path, forward and backward, and padded rows come out 0.
final class PackedEncoderTests: XCTestCase {
    func testScatterRowsGradientMatchesFiniteDifferences() {
        let x = randomTensor([3, 4], seed: 7)
        checkGradients([x]) { x.scatterRows([4, 0, 2], rows: 5) }
        let y = x.scatterRows([4, 0, 2], rows: 5)
        XCTAssertEqual(Array(y.scalars[4..<8]), [0, 0, 0, 0], "row 1 was not scattered")
        XCTAssertEqual(Array(y.scalars[16..<20]), Array(x.scalars[0..<4]))
    }

    func testPackedStackEqualsThePaddedPathOnRealRows() {
        var rng = Xoshiro256(seed: 3)
        let stack = TransformerEncoder(count: 2, dModel: 8, heads: 2, dimFeedforward: 16, dropout: 0.1,
                                       activation: .gelu, identicalInit: false, rng: &rng)
        let (b, n, d) = (2, 5, 8)
        let keyMask: [Float] = [1, 1, 1, 1, 1, 1, 1, 1, 0, 0]  // item 1 has 3 real nodes
        let bias = randomTensor([b, n, n], seed: 9)
        let x1 = randomTensor([b, n, d], seed: 8), x2 = x1.detached()
        x1.requiresGrad = true
        x2.requiresGrad = true
        let upstream = randomTensor([b, n, d], seed: 10).scalars.enumerated().map { keyMask[$0.offset / d] * $0.element }

        let packed = stack(x1, bias: bias, keyMask: keyMask, .evaluation())
        packed.backward(seed: upstream)
        let packedGrads = stack.namedParameters().map { $0.1.gradScalars ?? [] }
        stack.zeroGrad()
        var plain = x2
        for layer in stack.layers { plain = layer(plain, bias: bias, keyMask: keyMask, .evaluation()) }
        plain.backward(seed: upstream)
        let plainGrads = stack.namedParameters().map { $0.1.gradScalars ?? [] }

        for i in 0..<(b * n * d) {
            if keyMask[i / d] == 0 {
                XCTAssertEqual(packed.data[i], 0, "padded row \(i / d)")
            } else {
                XCTAssertEqual(packed.data[i], plain.data[i], accuracy: 1e-5, "real row \(i / d)")
                XCTAssertEqual(x1.grad[i], x2.grad[i], accuracy: 1e-5, "input gradient \(i)")
            }
        }
        for (g1, g2) in zip(packedGrads, plainGrads) {
            for (a, c) in zip(g1, g2) { XCTAssertEqual(a, c, accuracy: 1e-4 * max(1, abs(c))) }
        }
    }
}
