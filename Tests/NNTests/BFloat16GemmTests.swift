import Foundation
import Randomness
import TestSupport
import XCTest
@testable import NN

/// The bfloat16 GEMM (`MatmulPrecision.bfloat16`): rounding, agreement with its plain
/// reference and with float32, independence of the thread split, and a Linear layer.
final class BFloat16GemmTests: XCTestCase {
    private func requireKernel() throws {
        try XCTSkipUnless(MatmulPrecision.bfloat16Supported, "this CPU has no AVX-512 BF16")
    }

    /// One operand layout: A (or Aᵀ) and B (or Bᵀ) in strided storage, C with padding columns.
    private struct Problem {
        let ta: Bool, tb: Bool, m: Int, n: Int, k: Int, lda: Int, ldb: Int, ldc: Int
        let a: Tensor, b: Tensor, c: Tensor
        init(ta: Bool, tb: Bool, m: Int, n: Int, k: Int, seed: UInt64) {
            (self.ta, self.tb, self.m, self.n, self.k) = (ta, tb, m, n, k)
            lda = (ta ? m : k) + 3
            ldb = (tb ? k : n) + 5
            ldc = n + 2
            a = randomTensor([(ta ? k : m) * lda], seed: seed)
            b = randomTensor([(tb ? n : k) * ldb], seed: seed + 1)
            c = randomTensor([m * ldc], seed: seed + 2)
        }
        func aAt(_ i: Int, _ p: Int) -> Float { ta ? a.data[p * lda + i] : a.data[i * lda + p] }
        func bAt(_ p: Int, _ j: Int) -> Float { tb ? b.data[j * ldb + p] : b.data[p * ldb + j] }
        /// Σ_p |A(i,p)·B(p,j)|, of the bf16-rounded operands or of the originals.
        func absSum(_ i: Int, _ j: Int, rounded: Bool) -> Double {
            (0..<k).reduce(0.0) { s, p in
                let (x, y) = rounded ? (bf16Rounded(aAt(i, p)), bf16Rounded(bAt(p, j))) : (aAt(i, p), bAt(p, j))
                return s + abs(Double(x) * Double(y))
            }
        }
    }

    static let shapes: [(Int, Int, Int)] = [
        (1, 1, 1), (13, 31, 33), (14, 32, 64), (15, 33, 65), (29, 47, 100),
        (37, 129, 513),  // K needs two K blocks: the second adds to C
        (5, 2100, 7),  // N crosses a 2048-wide B block
        (350, 40, 90),  // M crosses a 336-row A block
    ]

    func testRoundingIsToNearestEvenWithDenormalsFlushedToZero() {
        let one: Float = 1, u = Float(pow(2.0, -8))  // bf16 spacing at 1 is 2^-7
        XCTAssertEqual(bf16Rounded(one), one)
        XCTAssertEqual(bf16Rounded(one + u), one, "a tie goes to the even mantissa (down here)")
        XCTAssertEqual(bf16Rounded(one + 3 * u), one + 4 * u, "a tie goes to the even mantissa (up here)")
        XCTAssertEqual(bf16Rounded(one + u + Float(pow(2.0, -20))), one + 2 * u, "above the tie rounds up")
        XCTAssertEqual(bf16Rounded(-(one + 3 * u)), -(one + 4 * u))
        XCTAssertEqual(bf16Rounded(1e-40), 0, "a float32 denormal flushes to zero as VCVTNEPS2BF16 does")
        XCTAssertEqual(bf16Rounded(-1e-40).sign, .minus)
        XCTAssertEqual(bf16Rounded(.infinity), .infinity)
        XCTAssertEqual(bf16Rounded(.greatestFiniteMagnitude), .infinity, "rounds past the largest bf16")
        XCTAssertTrue(bf16Rounded(.nan).isNaN)
    }

    /// C = A·I for an identity B gives each element of A rounded by the packing code; both
    /// the vector path (full 32-wide chunks) and the scalar edges must round like the scalar.
    func testPackingRoundsLikeTheScalarRoundingInEveryLayout() throws {
        try requireKernel()
        let (m, k) = (19, 70)
        let u = Float(pow(2.0, -8))
        var rng = Xoshiro256(seed: 5)
        // Ties, near-ties and ordinary values at several scales.
        let values: [Float] = (0..<(m * k)).map { i in
            let scale = Float(pow(2.0, Double(Int(rng.next() % 9) - 4)))
            switch i % 3 {
            case 0: return scale * (1 + Float(2 * Int(rng.next() % 64) + 1) * u)  // exact ties
            case 1: return scale * (1 + Float(2 * Int(rng.next() % 64) + 1) * u) * (1 + 1e-6)
            default: return Float(rng.nextGaussian())
            }
        }
        let identity = Tensor(zeros: [k * k])
        for p in 0..<k { identity.data[p * k + p] = 1 }
        for ta in [false, true] {
            let a = Tensor(zeros: [m * k])
            for i in 0..<m { for p in 0..<k { a.data[ta ? p * m + i : i * k + p] = values[i * k + p] } }
            for tb in [false, true] {  // the identity is its own transpose
                let c = Tensor(zeros: [m * k])
                bf16GemmSerial(transA: ta, transB: tb, m: m, n: k, k: k, alpha: 1, a: a.data, lda: ta ? m : k,
                               b: identity.data, ldb: k, beta: 0, c: c.data, ldc: k)
                for i in 0..<(m * k) {
                    XCTAssertEqual(c.data[i], bf16Rounded(values[i]), "element \(i), transA \(ta), transB \(tb)")
                }
            }
        }
    }

    /// Against the reference (same rounded operands, Double sums): the only difference is
    /// float32 summation, bounded by (k + 2)·2⁻²⁴·Σ|products| (plus rounding of alpha·s + beta·c).
    func testMatchesTheRoundedReferenceOnOddShapesTransposesStridesAlphaAndBeta() throws {
        try requireKernel()
        for (s, (m, n, k)) in Self.shapes.enumerated() {
            for ta in [false, true] {
                for tb in [false, true] {
                    let p = Problem(ta: ta, tb: tb, m: m, n: n, k: k, seed: UInt64(10 * s))
                    let (alpha, beta): (Float, Float) = s % 2 == 0 ? (0.7, -1.5) : (-2, 0)
                    let want = p.c.scalars, got = p.c.scalars
                    var wantC = want, gotC = got
                    if beta == 0 { for i in gotC.indices { gotC[i] = .nan } }  // beta = 0 must not read C
                    wantC.withUnsafeMutableBufferPointer { w in
                        bf16ReferenceGemm(transA: ta, transB: tb, m: m, n: n, k: k, alpha: alpha, a: p.a.data, lda: p.lda,
                                          b: p.b.data, ldb: p.ldb, beta: beta, c: w.baseAddress!, ldc: p.ldc)
                    }
                    gotC.withUnsafeMutableBufferPointer { g in
                        bf16GemmSerial(transA: ta, transB: tb, m: m, n: n, k: k, alpha: alpha, a: p.a.data, lda: p.lda,
                                       b: p.b.data, ldb: p.ldb, beta: beta, c: g.baseAddress!, ldc: p.ldc)
                    }
                    var worst = 0.0
                    for i in 0..<m {
                        for j in 0..<p.ldc {
                            let at = i * p.ldc + j
                            if j >= n {  // padding columns of C are left alone
                                if beta != 0 { XCTAssertEqual(gotC[at], got[at]) } else { XCTAssertTrue(gotC[at].isNaN) }
                                continue
                            }
                            let bound = Double(abs(alpha)) * Double(k + 2) * pow(2, -24) * p.absSum(i, j, rounded: true)
                                + 4 * pow(2, -24) * (abs(Double(wantC[at])) + abs(Double(beta * want[at]))) + 1e-30
                            worst = max(worst, abs(Double(gotC[at]) - Double(wantC[at])) / bound)
                        }
                    }
                    XCTAssertLessThanOrEqual(worst, 1, "m \(m) n \(n) k \(k) transA \(ta) transB \(tb): error / bound")
                }
            }
        }
    }

    /// Against float32 operands: each product carries at most (2u + u²)|a·b| with u = 2⁻⁸
    /// (bf16 keeps 8 significant bits), so |error| ≤ |alpha|·(2⁻⁷ + 2⁻¹⁶ + (k + 2)·2⁻²⁴)·Σ|a·b|.
    /// The error must also be visible: the kernel really computes in bf16.
    func testAgreesWithFloat32WithinTheBFloat16RoundingBound() throws {
        try requireKernel()
        for (s, (m, n, k)) in Self.shapes.enumerated() where k >= 33 {
            for ta in [false, true] {
                for tb in [false, true] {
                    let p = Problem(ta: ta, tb: tb, m: m, n: n, k: k, seed: UInt64(100 + s))
                    let want = Tensor(zeros: [m * p.ldc]), got = Tensor(zeros: [m * p.ldc])
                    referenceGemm(transA: ta, transB: tb, m: m, n: n, k: k, a: p.a.data, lda: p.lda, b: p.b.data,
                                  ldb: p.ldb, c: want.data, ldc: p.ldc)
                    bf16GemmSerial(transA: ta, transB: tb, m: m, n: n, k: k, alpha: 1, a: p.a.data, lda: p.lda,
                                   b: p.b.data, ldb: p.ldb, beta: 0, c: got.data, ldc: p.ldc)
                    var worst = 0.0, visible = 0.0
                    for i in 0..<m {
                        for j in 0..<n {
                            let sum = p.absSum(i, j, rounded: false)
                            let err = abs(Double(got.data[i * p.ldc + j]) - Double(want.data[i * p.ldc + j]))
                            worst = max(worst, err / ((pow(2, -7) + pow(2, -16) + Double(k + 2) * pow(2, -24)) * sum))
                            visible = max(visible, err / sum)
                        }
                    }
                    XCTAssertLessThanOrEqual(worst, 1, "m \(m) n \(n) k \(k) transA \(ta) transB \(tb)")
                    XCTAssertGreaterThan(visible, pow(2, -14), "no bf16 rounding visible: is the kernel float32?")
                }
            }
        }
    }

    /// Each element is summed in an order that depends only on k, so computing C in row
    /// blocks or column blocks (as `sgemm` does across threads) gives the same bits.
    func testAnySplitOfCGivesTheSameBits() throws {
        try requireKernel()
        for ta in [false, true] {
            for tb in [false, true] {
                let p = Problem(ta: ta, tb: tb, m: 61, n: 77, k: 600, seed: 3)
                let whole = p.c.scalars
                var full = whole, rows = whole, cols = whole
                full.withUnsafeMutableBufferPointer { c in
                    bf16GemmSerial(transA: ta, transB: tb, m: p.m, n: p.n, k: p.k, alpha: 1, a: p.a.data, lda: p.lda,
                                   b: p.b.data, ldb: p.ldb, beta: 1, c: c.baseAddress!, ldc: p.ldc)
                }
                rows.withUnsafeMutableBufferPointer { c in
                    for (r0, r1) in [(0, 23), (23, 61)] {
                        bf16GemmSerial(transA: ta, transB: tb, m: r1 - r0, n: p.n, k: p.k, alpha: 1,
                                       a: ta ? p.a.data + r0 : p.a.data + r0 * p.lda, lda: p.lda, b: p.b.data, ldb: p.ldb,
                                       beta: 1, c: c.baseAddress! + r0 * p.ldc, ldc: p.ldc)
                    }
                }
                cols.withUnsafeMutableBufferPointer { c in
                    for (c0, c1) in [(0, 39), (39, 77)] {
                        bf16GemmSerial(transA: ta, transB: tb, m: p.m, n: c1 - c0, k: p.k, alpha: 1, a: p.a.data, lda: p.lda,
                                       b: tb ? p.b.data + c0 * p.ldb : p.b.data + c0, ldb: p.ldb,
                                       beta: 1, c: c.baseAddress! + c0, ldc: p.ldc)
                    }
                }
                XCTAssertEqual(rows, full, "row split, transA \(ta) transB \(tb)")
                XCTAssertEqual(cols, full, "column split, transA \(ta) transB \(tb)")
            }
        }
    }
}
