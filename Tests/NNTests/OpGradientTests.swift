import Randomness
import TestSupport
import XCTest
@testable import NN

/// Every op's backward against central finite differences.
final class OpGradientTests: XCTestCase {
    func testBroadcastArithmeticGradientsMatchFiniteDifferences() {
        let a = randomTensor([2, 3, 4], seed: 1), b = randomTensor([3, 4], seed: 2)
        let c = randomTensor([2, 1, 4], seed: 3), d = randomTensor([2, 3, 4], seed: 4, scale: 0.3, shift: 2)
        checkGradients([a, b]) { a + b }
        checkGradients([a, c]) { a - c }
        checkGradients([a, c]) { a * c }
        checkGradients([a, d]) { a / d }
        checkGradients([a]) { 3 - a * 2 + 1 }
    }

    func testRepeatedBlockBroadcastGradientsMatchFiniteDifferences() {
        // One operand full, the other a trailing block repeated over the rows: the fast path.
        let a = randomTensor([2, 3, 4], seed: 5), d = randomTensor([2, 3, 4], seed: 6, scale: 0.3, shift: 2)
        let block = randomTensor([1, 3, 4], seed: 7), row = randomTensor([4], seed: 8, scale: 0.3, shift: 2)
        let one = randomTensor([1], seed: 9, scale: 0.3, shift: 2)
        checkGradients([a, block]) { a + block }
        checkGradients([block, a]) { block - a }
        checkGradients([row, a]) { row * a }
        checkGradients([a, row]) { a / row }
        checkGradients([one, d]) { one / d }
        checkGradients([d, one]) { d - one }
    }

    func testRepeatedBlockBroadcastEqualsTheOffsetTableLoopBitForBit() {
        for (sa, sb) in [([2, 3, 4], [1, 3, 4]), ([4], [2, 3, 4]), ([2, 3, 4], [1])] {
            for kind in 0..<4 {
                let a = randomTensor(sa, seed: 1), b = randomTensor(sb, seed: 2, scale: 0.3, shift: 2)
                (a.requiresGrad, b.requiresGrad) = (true, true)
                let y = kind == 0 ? a + b : kind == 1 ? a - b : kind == 2 ? a * b : a / b
                let w = randomTensor(y.shape, seed: 3)  // y's upstream gradient
                (y * w).sum().backward()
                let bc = Broadcast(sa, sb)
                XCTAssertNotNil(bc.repeatedBlock, "\(sa) \(sb) takes the fast path")
                let oa = bc.offsetsA() ?? Array(0..<y.count), ob = bc.offsetsB() ?? Array(0..<y.count)
                var ry = [Float](repeating: 0, count: y.count)
                var ga = [Float](repeating: 0, count: a.count), gb = [Float](repeating: 0, count: b.count)
                for i in 0..<y.count {
                    let x = a.data[oa[i]], z = b.data[ob[i]], g = w.data[i]
                    switch kind {
                    case 0: ry[i] = x + z; ga[oa[i]] += g; gb[ob[i]] += g
                    case 1: ry[i] = x - z; ga[oa[i]] += g; gb[ob[i]] -= g
                    case 2: ry[i] = x * z; ga[oa[i]] += g * z; gb[ob[i]] += g * x
                    default: ry[i] = x / z; ga[oa[i]] += g / z; gb[ob[i]] -= g * x / (z * z)
                    }
                }
                let bits = { (v: [Float]) in v.map(\.bitPattern) }
                XCTAssertEqual(bits(y.scalars), bits(ry), "\(sa) op \(kind) \(sb): forward")
                XCTAssertEqual(bits(a.gradScalars ?? []), bits(ga), "\(sa) op \(kind) \(sb): a's gradient")
                XCTAssertEqual(bits(b.gradScalars ?? []), bits(gb), "\(sa) op \(kind) \(sb): b's gradient")
            }
        }
    }

    func testActivationGradientsMatchFiniteDifferences() {
        // Values kept away from the kinks of relu and abs, where differences are undefined.
        let x = randomTensor([5, 7], seed: 5, scale: 2)
        for i in 0..<x.count where abs(x.data[i]) < 0.05 { x.data[i] = 0.3 }
        checkGradients([x]) { x.gelu() }
        checkGradients([x]) { x.relu() }
        checkGradients([x]) { x.sigmoid() }
        checkGradients([x]) { x.abs() }
        checkGradients([x]) { x.softClip(1.5) }
    }

    func testSoftClipIsBoundedAndTheIdentityNearZero() {
        let x = Tensor(shape: [4], scalars: [-100, -0.01, 0.02, 13.7])
        let y = x.softClip(1).scalars
        XCTAssertEqual(y[0], -1, accuracy: 1e-6)
        XCTAssertEqual(y[1], -0.01, accuracy: 1e-6)
        XCTAssertEqual(y[2], 0.02, accuracy: 1e-5)
        XCTAssertEqual(y[3], 1, accuracy: 1e-6)
    }

    func testFusedBiasActivationDropoutGradientsMatchFiniteDifferences() {
        let x = randomTensor([3, 20], seed: 30, scale: 2), b = randomTensor([20], seed: 31)
        for act in [Activation.gelu, .relu] {
            for i in 0..<x.count where abs(x.data[i] + b.data[i % 20]) < 0.05 { x.data[i] += 0.3 }
            checkGradients([x, b]) {
                biasActivationDropout(x, bias: b, activation: act, dropout: 0.3, ForwardContext(training: true, rng: Xoshiro256(seed: 4)))
            }
            // Same values as the unfused ops with the same mask draw.
            let fused = biasActivationDropout(x, bias: b, activation: act, dropout: 0.3, ForwardContext(training: true, rng: Xoshiro256(seed: 4)))
            let z = x + b
            let plain = (act == .gelu ? z.gelu() : z.relu()).dropout(0.3, ForwardContext(training: true, rng: Xoshiro256(seed: 4)))
            XCTAssertEqual(fused.scalars, plain.scalars)
        }
    }

    func testReductionAndShapeGradientsMatchFiniteDifferences() {
        let x = randomTensor([2, 3, 4], seed: 6)
        checkGradients([x]) { x.sum() }
        checkGradients([x]) { x.mean() }
        checkGradients([x]) { x.sumLastAxis() }
        checkGradients([x]) { x.reshaped([4, -1]) * x.reshaped([4, 6]) }
        checkGradients([x]) { x.permuted([2, 0, 1]) }  // a batched transpose (tiled kernel)
        checkGradients([x]) { x.permuted([1, 0, 2]) }  // general permutation
        checkGradients([x]) { scaledRows(x, by: [1, 0, 0.5, -2, 3, 0.25]) }
        let x4 = randomTensor([2, 3, 4, 5], seed: 9)
        checkGradients([x4]) { x4.permuted([0, 3, 1, 2]) }
        checkGradients([x4]) { x4.permuted([0, 2, 3, 1]) }
        let x16 = randomTensor([1, 4, 4, 16], seed: 10)  // whole 16×16 blocks: the AVX-512 path, forward and backward
        checkGradients([x16]) { x16.permuted([0, 3, 1, 2]) }
        checkGradients([x16]) { x16.permuted([0, 2, 3, 1]) }
        checkGradients([x]) { x.transposedLastTwo() }
        checkGradients([x]) { x.narrowed(axis: 1, start: 1, length: 2) }
        checkGradients([x]) { x.gatherRows([1, 0, 1]) }
        let y = randomTensor([2, 2, 4], seed: 7)
        checkGradients([x, y]) { concat([x, y, x], axis: 1) }
        checkGradients([x, x.detached()]) { stack([x, x * 2], axis: 1) }
        checkGradients([x]) { meanOf([x.sum(), (x * x).sum()]) }
    }

    func testLinearAndMatmulGradientsMatchFiniteDifferences() {
        let x = randomTensor([2, 3, 5], seed: 8), w = randomTensor([4, 5], seed: 9), b = randomTensor([4], seed: 10)
        checkGradients([x, w, b]) { linear(x, weight: w, bias: b) }
        checkGradients([x, w]) { linear(x, weight: w, bias: nil) }
        let p = randomTensor([2, 3, 5], seed: 11), c = randomTensor([2, 4, 5], seed: 12), e = randomTensor([2, 5, 4], seed: 13)
        checkGradients([p, c]) { matmul(p, c, transposeB: true) }
        checkGradients([p, e]) { matmul(p, e) }
        checkGradients([p, w]) { matmul(p, w, transposeB: true) }  // shared rank-2 right operand
    }

    func testPerNodeLinearMatchesOneLinearPerNode() {
        let x = randomTensor([3, 4, 5], seed: 14)
        let w = randomTensor([6, 2, 5], seed: 15), b = randomTensor([6, 2], seed: 16)  // 6 ≥ 4 nodes
        checkGradients([x, w, b]) { perNodeLinear(x, weight: w, bias: b) }
        let y = perNodeLinear(x, weight: w, bias: b)
        for n in 0..<4 {
            let xn = x.narrowed(axis: 1, start: n, length: 1)
            let wn = w.narrowed(axis: 0, start: n, length: 1).reshaped([2, 5])
            let bn = b.narrowed(axis: 0, start: n, length: 1).reshaped([2])
            let yn = linear(xn, weight: wn, bias: bn).scalars
            let got = y.narrowed(axis: 1, start: n, length: 1).scalars
            for (u, v) in zip(got, yn) { XCTAssertEqual(u, v, accuracy: 1e-5) }
        }
    }

    func testLayerNormGradientsMatchFiniteDifferences() {
        let x = randomTensor([3, 6], seed: 17, scale: 2, shift: 1)
        let w = randomTensor([6], seed: 18, shift: 1), b = randomTensor([6], seed: 19)
        checkGradients([x, w, b]) { layerNorm(x, weight: w, bias: b) }
    }

    func testAttentionWithBiasAndKeyMaskGradientsMatchFiniteDifferences() {
        let (bsz, n, d, h) = (2, 4, 6, 2)
        let qkv = randomTensor([bsz, n, 3 * d], seed: 20)
        let headBias = randomTensor([bsz, h, n, n], seed: 21), sharedBias = randomTensor([bsz, n, n], seed: 22)
        let keyMask: [Float] = [1, 1, 1, 1, 1, 1, 0, 0]
        checkGradients([qkv]) { attention(qkv: qkv, heads: h) }
        checkGradients([qkv, headBias]) { attention(qkv: qkv, heads: h, bias: headBias, keyMask: keyMask) }
        checkGradients([qkv, sharedBias]) { attention(qkv: qkv, heads: h, bias: sharedBias) }
    }

    func testAttentionDropoutUsesOneMaskForForwardAndBackward() {
        let qkv = randomTensor([2, 3, 12], seed: 23)
        // A fresh context with the same seed per evaluation: the same mask every time.
        checkGradients([qkv]) {
            attention(qkv: qkv, heads: 2, dropout: 0.3, ForwardContext(training: true, rng: Xoshiro256(seed: 5)))
        }
        checkGradients([qkv]) { qkv.dropout(0.5, ForwardContext(training: true, rng: Xoshiro256(seed: 6))) }
    }

    func testLossGradientsMatchFiniteDifferences() {
        let pred = randomTensor([2, 5], seed: 24, scale: 2), target = randomTensor([2, 5], seed: 25)
        for i in 0..<pred.count where abs(abs(pred.data[i] - target.data[i]) - 1) < 0.05 { pred.data[i] += 0.2 }
        let mask = Tensor(shape: [2, 5], scalars: [1, 1, 1, 1, 1, 1, 1, 1, 0, 0])
        checkGradients([pred]) { huberLoss(pred, target) }
        checkGradients([pred]) { huberLoss(pred, target, mask: mask) }
        let y = Tensor(shape: [2, 5], scalars: [1, 0, 0, 1, 1, 0, 1, 0, 1, 1])
        checkGradients([pred]) { bceWithLogits(pred, y, mask: mask) }
        checkGradients([pred]) { maskedMean(pred.sigmoid().abs(), mask: mask) }
    }

    func testNotearsGradientOnRealNodeBlocksMatchesFiniteDifferences() {
        let a = randomTensor([2, 4, 4], seed: 26).sigmoid().detached()
        checkGradients([a], tolerance: 5e-3) { notearsH(a, nodeCounts: [4, 3]) }
        checkGradients([a], tolerance: 5e-3) { notearsH(a, nodeCounts: [2, 4], excludeDiagonal: true) }
    }

    func testGumbelSigmoidSoftAndStraightThroughGradientsMatchFiniteDifferences() {
        let x = randomTensor([3, 3], seed: 27)
        checkGradients([x]) { gumbelSigmoid(x, tau: 0.7, hard: false, ForwardContext(training: true, rng: Xoshiro256(seed: 3))) }
        // Hard: the forward value is 0/1, the gradient is the soft sample's.
        x.requiresGrad = true
        x.zeroGrad()
        let hard = gumbelSigmoid(x, tau: 0.7, hard: true, ForwardContext(training: true, rng: Xoshiro256(seed: 3)))
        XCTAssertTrue(hard.scalars.allSatisfy { $0 == 0 || $0 == 1 })
        hard.sum().backward()
        let hardGrad = x.gradScalars!
        x.zeroGrad()
        let soft = gumbelSigmoid(x, tau: 0.7, hard: false, ForwardContext(training: true, rng: Xoshiro256(seed: 3)))
        XCTAssertEqual(hard.scalars, soft.scalars.map { $0 > 0.5 ? 1 : 0 })
        soft.sum().backward()
        XCTAssertEqual(hardGrad, x.gradScalars!)
    }

    /// The tiled batched-transpose path of `permuted` gives what the element-by-element
    /// definition gives (sizes larger than one 32×32 tile, not multiples of it).
    func testBatchedTransposePermutationsMatchTheDefinition() {
        let (b, n, p) = (2, 7, 37)
        let x = randomTensor([b, n, n, p], seed: 11)
        let channelsFirst = x.permuted([0, 3, 1, 2]).scalars  // [B, P, N, N]
        for i in 0..<b { for r in 0..<n { for c in 0..<n { for k in 0..<p {
            XCTAssertEqual(channelsFirst[((i * p + k) * n + r) * n + c], x.scalars[((i * n + r) * n + c) * p + k])
        } } } }
        XCTAssertEqual(x.permuted([0, 3, 1, 2]).permuted([0, 2, 3, 1]).scalars, x.scalars)
    }
}
