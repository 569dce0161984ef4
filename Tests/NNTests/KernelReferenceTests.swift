import Foundation
import Randomness
import TestSupport
import XCTest
@testable import NN

/// Fused and vectorised kernels against plain reference implementations.
final class KernelReferenceTests: XCTestCase {
    func testVectorExpMatchesLibmOverTheWholeRange() {
        var worst = 0.0, at: Float = 0
        var x: Float = -87
        while x < 88.5 {
            let got = Double(fastExp(x)), want = Foundation.exp(Double(x))
            let rel = abs(got - want) / want
            if rel > worst { worst = rel; at = x }
            x += 0.0137
        }
        XCTAssertLessThan(worst, 3e-7, "worst relative error \(worst) at x = \(at)")
        XCTAssertEqual(fastExp(-100), 0)
        XCTAssertEqual(fastExp(100), .infinity)
        XCTAssertTrue(fastExp(.nan).isNaN)
    }
}

extension KernelReferenceTests {
    func testSgemmWrapperMatchesTripleLoopForAllTransposes() {
        let (m, n, k) = (7, 5, 9)
        let a = randomTensor([k * m + 20], seed: 1), b = randomTensor([k * n + 20], seed: 2)
        for ta in [false, true] {
            for tb in [false, true] {
                let lda = (ta ? m : k) + 2, ldb = (tb ? k : n) + 1  // strided, as the attention kernel uses
                let c1 = Tensor(zeros: [m * n]), c2 = Tensor(zeros: [m * n])
                for i in 0..<(m * n) { c1.data[i] = Float(i); c2.data[i] = Float(i) }
                sgemm(transA: ta, transB: tb, m: m, n: n, k: k, alpha: 0.5, a: a.data, lda: lda, b: b.data, ldb: ldb,
                      beta: 2, c: c1.data, ldc: n)
                referenceGemm(transA: ta, transB: tb, m: m, n: n, k: k, alpha: 0.5, a: a.data, lda: lda, b: b.data,
                              ldb: ldb, beta: 2, c: c2.data, ldc: n)
                for i in 0..<(m * n) { XCTAssertEqual(c1.data[i], c2.data[i], accuracy: 1e-4 * (1 + abs(c2.data[i]))) }
            }
        }
    }

    func testGeluKernelKeepsRelativeAccuracyEverywhere() {
        // Relative to each value, both signs, into the far negative tail (y ≈ −1e-35).
        var xs: [Float] = []
        var x: Float = -12.5
        while x < 12 { xs.append(x); x += 0.0173 }
        xs += [0, 1e-6, -1e-6, 3e-3, -3e-3]
        let t = Tensor(shape: [xs.count], scalars: xs)
        t.requiresGrad = true
        let y = t.gelu()
        y.backward(seed: [Float](repeating: 1, count: xs.count))
        // In the tail y ≈ φ(x)/|x| has condition number ~x² (d log y/d log x), so forming x²/2
        // in float32 costs ~6e-8·x² relative: that is allowed on top of 2e-6.
        for (i, v) in xs.enumerated() {
            let (ry, rdy) = referenceGelu(v)
            let rel = 2e-6 + 1e-7 * Double(v * v)
            XCTAssertLessThanOrEqual(abs(Double(y.data[i]) - ry), rel * abs(ry) + 1e-38, "gelu(\(v))")
            // The derivative crosses zero near −0.75: allow float32 cancellation there.
            XCTAssertLessThanOrEqual(abs(Double(t.grad[i]) - rdy), rel * abs(rdy) + 1e-7, "gelu'(\(v))")
        }
    }

    func testLayerNormKernelMatchesReference() {
        let d = 128, rows = 37
        let x = randomTensor([rows, d], seed: 3, scale: 4, shift: 50)  // large mean: tests the two-pass variance
        let w = randomTensor([d], seed: 4, shift: 1), b = randomTensor([d], seed: 5)
        let dy = randomTensor([rows, d], seed: 6)
        for t in [x, w, b] { t.requiresGrad = true }
        let y = layerNorm(x, weight: w, bias: b)
        y.backward(seed: dy.scalars)
        let ref = referenceLayerNorm(x: x.scalars, weight: w.scalars, bias: b.scalars, dy: dy.scalars, d: d)
        XCTAssertLessThan(relativeError(y.scalars, ref.y), 1e-6)
        XCTAssertLessThan(relativeError(x.gradScalars!, ref.dx), 1e-5)
        XCTAssertLessThan(relativeError(w.gradScalars!, ref.dWeight), 1e-5)
        XCTAssertLessThan(relativeError(b.gradScalars!, ref.dBias), 1e-5)
    }

    func testAttentionKernelMatchesReference() {
        let (bsz, n, d, h) = (3, 11, 32, 4)
        let qkv = randomTensor([bsz, n, 3 * d], seed: 7)
        let headBias = randomTensor([bsz, h, n, n], seed: 8), shared = randomTensor([bsz, n, n], seed: 9)
        var mask = [Float](repeating: 1, count: bsz * n)
        for j in 8..<n { mask[n + j] = 0 }  // item 1 has 8 real nodes
        for (bias, perHead) in [(nil, false), (headBias, true), (shared, false)] as [(Tensor?, Bool)] {
            let y = attention(qkv: qkv, heads: h, bias: bias, keyMask: mask)
            let ref = referenceAttention(qkv: qkv.scalars, b: bsz, n: n, d: d, heads: h, bias: bias?.scalars,
                                         biasPerHead: perHead, keyMask: mask)
            XCTAssertLessThan(relativeError(y.scalars, ref), 2e-6)
        }
    }

    func testVectorSoftmaxEqualsThePlainRowLoopBitForBit() {
        var rng = Xoshiro256(seed: 11)
        for cols in [1, 15, 16, 17, 50, 64, 100] {
            let rows = 7
            var x = (0..<(rows * cols)).map { _ in Float.random(in: -30...30, using: &rng) }
            for r in 0..<rows where r % 2 == 1 { x[r * cols + (r * 5) % cols] = -.infinity }  // masked keys
            if cols > 1 { for j in 0..<cols { x[j] = -.infinity } }  // row 0 wholly masked
            var fast = x, plain = x
            fast.withUnsafeMutableBufferPointer { softmaxRows($0.baseAddress!, rows: rows, cols: cols) }
            plain.withUnsafeMutableBufferPointer { referenceSoftmaxRows($0.baseAddress!, rows: rows, cols: cols) }
            let bits = { (v: [Float]) in v.map { $0.isNaN ? Float.nan.bitPattern : $0.bitPattern } }
            XCTAssertEqual(bits(fast), bits(plain), "cols \(cols)")
            if cols > 1 { XCTAssertTrue(fast[0..<cols].allSatisfy(\.isNaN), "a wholly masked row is NaN, as PyTorch") }
        }
    }

    func testBCEKernelMatchesReference() {
        let x = randomTensor([1000], seed: 10, scale: 8), y = Tensor(shape: [1000], scalars: (0..<1000).map { Float($0 % 3 == 0 ? 1 : 0) })
        let w = (0..<1000).map { Float($0 % 7 == 0 ? 0 : 1) }
        let grad = Tensor(zeros: [1000])
        let sum = w.withUnsafeBufferPointer { bceKernel(x.data, y.data, $0.baseAddress, 1000, gradScale: 1, grad: grad.data) }
        let ref = referenceBCE(x.scalars, y.scalars, w)
        XCTAssertEqual(sum, ref.sum, accuracy: 1e-5 * ref.sum)
        XCTAssertLessThan(relativeError(grad.scalars, ref.grad), 1e-6)
    }

    func testAdamWKernelMatchesReferenceOverManySteps() {
        let n = 100
        let p = randomTensor([n], seed: 11)
        var rp = p.scalars.map(Double.init), rm = [Double](repeating: 0, count: n), rv = rm
        p.requiresGrad = true
        let opt = AdamW([("p", p)], learningRate: 3e-3)
        for step in 1...20 {
            let g = randomTensor([n], seed: 100 + UInt64(step), scale: Float(step))
            p.zeroGrad()
            for i in 0..<n { p.grad[i] = g.data[i] }
            opt.update()
            referenceAdamW(p: &rp, g: g.scalars.map(Double.init), m: &rm, v: &rv, step: step, lr: 3e-3)
        }
        XCTAssertLessThan(relativeError(p.scalars, rp), 1e-6)
    }

    func testMatrixExpIsExactOnDiagonalAndNilpotentMatrices() {
        // Diagonal: exp of the entries. Nilpotent (strictly upper): I + M + M²/2 exactly.
        let diag = [2.0, 0, 0, 0, -1, 0, 0, 0, 30]
        let e = matrixExp(diag, 3)
        XCTAssertEqual(e[0], Foundation.exp(2), accuracy: 1e-12 * Foundation.exp(2))
        XCTAssertEqual(e[4], Foundation.exp(-1), accuracy: 1e-14)
        XCTAssertEqual(e[8], Foundation.exp(30), accuracy: 1e-12 * Foundation.exp(30))
        let nil3 = [0.0, 3, 5, 0, 0, 7, 0, 0, 0]
        let en = matrixExp(nil3, 3)
        XCTAssertEqual(en, [1, 3, 5 + 3 * 7 / 2.0, 0, 1, 7, 0, 0, 1].map { $0 }, "exp of nilpotent")
        // A DAG's weighted adjacency is nilpotent: h = 0 exactly.
        let dag = Tensor(shape: [3, 3], scalars: [0, 0.9, 0.4, 0, 0, 0.7, 0, 0, 0])
        XCTAssertEqual(notearsH(dag).item, 0, accuracy: 1e-6)
        let cyc = Tensor(shape: [2, 2], scalars: [0, 1, 1, 0])  // 2-cycle: tr(exp) = 2·cosh(1)
        XCTAssertEqual(notearsH(cyc).item, Float(2 * cosh(1.0) - 2), accuracy: 1e-6)
    }
}
