import Foundation
import Randomness
import XCTest
@testable import NN

/// Fused and vectorised kernels against plain reference implementations.
final class KernelReferenceTests: XCTestCase {
    func testVectorExpMatchesLibmOverTheWholeRange() {
        var worst = 0.0, at: Float = 0
        var x: Float = -87
        while x < 88.5 {
            let got = Double(sexp(x)), want = Foundation.exp(Double(x))
            let rel = abs(got - want) / want
            if rel > worst { worst = rel; at = x }
            x += 0.0137
        }
        XCTAssertLessThan(worst, 3e-7, "worst relative error \(worst) at x = \(at)")
        XCTAssertEqual(sexp(-100), 0)
        XCTAssertEqual(sexp(100), .infinity)
        XCTAssertTrue(sexp(.nan).isNaN)
    }
}
