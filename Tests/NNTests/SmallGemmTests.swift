import TestSupport
import XCTest
@testable import NN

/// The register-blocked small-side products (the pair network's layers) against the plain
/// triple loop, at the shapes they serve and with row remainders and strided rows.
final class SmallGemmTests: XCTestCase {
    func testSmallGemmMatchesTripleLoopStoredAndAccumulated() {
        for (m, kin, kout) in [(7, 5, 32), (2501, 32, 64), (13, 64, 32), (4, 31, 96), (1, 1, 32)] {
            let ldx = kin + 3, ldy = kout + 16  // strided rows, as sub-blocks of bigger buffers
            let x = randomTensor([m * ldx], seed: 1), b = randomTensor([kin * kout], seed: 2)
            let start = randomTensor([m * ldy], seed: 3)
            for accumulate in [false, true] {
                let got = start.detached(), want = start.detached()
                smallGemm(m: m, kin: kin, kout: kout, x: x.data, ldx: ldx, b: b.data, y: got.data, ldy: ldy, accumulate: accumulate)
                referenceGemm(m: m, n: kout, k: kin, a: x.data, lda: ldx, b: b.data, ldb: kout, beta: accumulate ? 1 : 0,
                              c: want.data, ldc: ldy)
                let columns = (0..<(m * ldy)).map { Float($0 % ldy < kout ? 1 : 0) }
                assertClose(got.scalars, want.scalars, rtol: 1e-5, atol: 1e-5, keep: columns,
                            "\(m)×\(kin)·\(kin)×\(kout), accumulate \(accumulate)")
                for i in 0..<(m * ldy) where i % ldy >= kout {
                    XCTAssertEqual(got.data[i], start.data[i], "padding column \(i % ldy) of row \(i / ldy) written")
                }
            }
        }
    }

    func testTransposedLeftProductMatchesTripleLoop() {
        for (m, o, k) in [(2500, 64, 32), (9, 8, 64), (1, 32, 32)] {
            let ldg = o + 5, ldx = k + 2
            let g = randomTensor([m * ldg], seed: 4), x = randomTensor([m * ldx], seed: 5)
            let got = Tensor(zeros: [o * k]), want = Tensor(zeros: [o * k])
            smallGemmTransposedLeft(m: m, o: o, k: k, g: g.data, ldg: ldg, x: x.data, ldx: ldx, w: got.data)
            referenceGemm(transA: true, m: o, n: k, k: m, a: g.data, lda: ldg, b: x.data, ldb: ldx, c: want.data, ldc: k)
            assertClose(got.scalars, want.scalars, rtol: 1e-4, atol: 2e-3, "gᵀ·x with \(m) rows, [\(o), \(k)]")
        }
    }
}
