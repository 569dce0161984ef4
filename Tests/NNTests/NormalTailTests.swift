import CKernels
import Foundation
import Randomness
import XCTest
@testable import NN

/// Φ and φ share one exp (`normalTailAndGaussian`); both keep float32-level relative accuracy
/// against libm in Double, far into the tail (GELU's x·Φ(x) for x ≪ 0 needs relative, not
/// absolute, accuracy).
final class NormalTailTests: XCTestCase {
    func testSharedExpCDFAndPDFMatchLibmRelatively() {
        var worstCDF = 0.0, worstPDF = 0.0, atCDF: Float = 0
        var x: Float = -13
        while x < 8 {
            let (cdf, pdf) = normalCDFAndPDF(x)
            let v = Double(x)
            let wantCDF = 0.5 * erfc(-v / 2.0.squareRoot()), wantPDF = exp(-0.5 * v * v) / (2 * Double.pi).squareRoot()
            // Rounding −x²/2 to float costs ~6e-8·x² relative in e^(−x²/2): allowed on top.
            let slack = 6e-8 * v * v
            let rc = abs(Double(cdf) - wantCDF) / wantCDF - slack, rp = abs(Double(pdf) - wantPDF) / wantPDF - slack
            if rc > worstCDF { worstCDF = rc; atCDF = x }
            worstPDF = max(worstPDF, rp)
            XCTAssertEqual(cdf, normalCDF(x))
            XCTAssertEqual(pdf, normalPDF(x))
            x += 0.00731
        }
        XCTAssertLessThan(worstCDF, 5e-7, "Φ: worst relative error \(worstCDF) at \(atCDF)")
        XCTAssertLessThan(worstPDF, 5e-7, "φ: worst relative error \(worstPDF)")
    }

    /// The 16-lane GELU (and its exp) that the hot loops use is the scalar functions lane by
    /// lane, bit for bit: over a sweep of both tails, ±0, the clamps of exp and ±∞.
    func testSixteenLaneGeluIsTheScalarGeluBitForBit() {
        var values: [Float] = [0, -0, 1e-30, -1e-30, .infinity, -.infinity, 88.7, -87.3, 100, -100, 1e6, -1e6]
        var x: Float = -16
        while x < 16 { values.append(x); x += 0.000913 }
        while values.count % 16 != 0 { values.append(Float(values.count) * -0.37) }
        var tested = 0
        for start in stride(from: 0, to: values.count, by: 16) {
            let z = V16((0..<16).map { values[start + $0] })
            let y = gelu(z), (y2, slope) = geluAndSlope(z), e = fastExp(-z * z / 8)
            for lane in 0..<16 {
                let v = z[lane]
                let (c, density) = normalCDFAndPDF(v)
                XCTAssertEqual(y[lane].bitPattern, (v * normalCDF(v)).bitPattern, "GELU(\(v))")
                XCTAssertEqual(y2[lane].bitPattern, (v * c).bitPattern, "GELU(\(v)) with slope")
                XCTAssertEqual(slope[lane].bitPattern, (c + v * density).bitPattern, "GELU′(\(v))")
                XCTAssertEqual(e[lane].bitPattern, fastExp(-v * v / 8).bitPattern, "exp(−\(v)²/8)")
                tested += 1
            }
        }
        XCTAssertGreaterThan(tested, 30_000)
        // The Swift row loop (full vectors and the scalar tail) agrees with the scalar function.
        let n = 37, input = (0..<n).map { Float($0) * 0.41 - 7 }
        var out = [Float](repeating: .nan, count: n), d = out, out2 = out
        swiftGeluRow(input, bias: nil, &out, slope: nil, dropout: nil, base: 0, n)
        swiftGeluRow(input, bias: nil, &out2, slope: &d, dropout: nil, base: 0, n)
        XCTAssertEqual(out, input.map { $0 * normalCDF($0) })
        XCTAssertEqual(out2, out)
        XCTAssertEqual(d, input.map { v in let (c, p) = normalCDFAndPDF(v); return c + v * p })
    }

    /// The C kernels the hot loops call on AVX-512 CPUs give the scalar functions' bits too,
    /// with and without a bias, in full vectors and in their masked row tail; with dropout, the
    /// Swift row loop's bits (its mask is `DropoutMask.apply`'s).
    func testCGeluRowIsTheScalarGeluBitForBit() throws {
        try XCTSkipUnless(cGelu, "pfn_gelu_row needs AVX-512F")
        var x: [Float] = [0, -0, 1e-30, -1e-30, .infinity, -.infinity, 88.7, -87.3, 100, -100, 1e6, -1e6]
        var v: Float = -16
        while v < 16 { x.append(v); v += 0.000913 }
        x.append(0.25)  // n = 35 066: not a multiple of 16
        let n = x.count
        let bias = (0..<n).map { Float($0 % 97) * 0.013 - 0.6 }
        var y = [Float](repeating: .nan, count: n), slope = y, yb = y, slopeB = y
        pfn_gelu_row(x, nil, &y, &slope, n)
        pfn_gelu_row(x, bias, &yb, &slopeB, n)
        var yOnly = y
        pfn_gelu_row(x, nil, &yOnly, nil, n)
        let bits = { (f: Float) in f.isNaN ? Float.nan.bitPattern : f.bitPattern }
        for i in 0..<n {
            for (z, out, d) in [(x[i], y[i], slope[i]), (x[i] + bias[i], yb[i], slopeB[i])] {
                let (c, density) = normalCDFAndPDF(z)
                XCTAssertEqual(bits(out), bits(z * normalCDF(z)), "GELU(\(z))")
                XCTAssertEqual(bits(d), bits(c + z * density), "GELU′(\(z))")
            }
            XCTAssertEqual(bits(yOnly[i]), bits(y[i]))
        }
        var rng = Xoshiro256(seed: 3)
        let mask = DropoutMask(p: 0.3, rng: &rng), base = 1_000_003
        var cy = [Float](repeating: .nan, count: n), cd = cy, sy = cy, sd = cy
        geluRow(x, bias: bias, &cy, slope: &cd, dropout: mask, base: base, n)
        swiftGeluRow(x, bias: bias, &sy, slope: &sd, dropout: mask, base: base, n)
        XCTAssertEqual(cy.map(bits), sy.map(bits))
        XCTAssertEqual(cd.map(bits), sd.map(bits))
        let dropped = (0..<n).filter { !mask.keeps(UInt32(base + $0)) }
        XCTAssertGreaterThan(dropped.count, n / 4)
        XCTAssertTrue(dropped.allSatisfy { cy[$0] == 0 && cd[$0] == 0 }, "dropped values and slopes are 0")
    }
}
