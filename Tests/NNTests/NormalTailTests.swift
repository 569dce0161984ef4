import Foundation
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
}
