import XCTest
@testable import Evaluation

/// Reference values from scipy 1.x (`special.betainc`, `stats.t.cdf`, `stats.ttest_ind`) and,
/// for log p-values below double range, mpmath at 50 digits; committed as constants.
final class IncompleteBetaTests: XCTestCase {
    func testRegularizedIncompleteBetaMatchesScipy() {
        let cases: [(a: Double, b: Double, x: Double, expected: Double)] = [
            (0.5, 0.5, 0.3, 0.36901011956554536),
            (2, 3, 0.4, 0.5247999999999999),
            (10, 0.5, 0.9, 0.15164090963470994),
            (50, 0.5, 0.99, 0.3173043978741973),
            (0.5, 50, 0.01, 0.6826956021258024),
            (100, 100, 0.55, 0.9216120672877799),
            (1, 1, 0.25, 0.25),
            (5, 0.5, 0.999999, 0.9975390657812117),
            (3.7, 12.2, 0.05, 0.009727653006725722),
        ]
        for c in cases {
            let v = SpecialFunctions.regularizedIncompleteBeta(c.a, c.b, c.x)
            XCTAssertEqual(v, c.expected, accuracy: 1e-13 * max(1, c.expected), "I_\(c.x)(\(c.a), \(c.b))")
        }
    }

    func testIncompleteBetaEdgesAndInvalidArguments() {
        XCTAssertEqual(SpecialFunctions.regularizedIncompleteBeta(2, 3, 0), 0)
        XCTAssertEqual(SpecialFunctions.regularizedIncompleteBeta(2, 3, 1), 1)
        XCTAssertTrue(SpecialFunctions.regularizedIncompleteBeta(2, 3, 1.5).isNaN)
        XCTAssertTrue(SpecialFunctions.regularizedIncompleteBeta(-1, 3, 0.5).isNaN)
        // Symmetry I_x(a, b) = 1 − I_{1−x}(b, a), across the continued fraction's switch point.
        for x in stride(from: 0.05, through: 0.95, by: 0.1) {
            let lhs = SpecialFunctions.regularizedIncompleteBeta(4.5, 2.5, x)
            let rhs = 1 - SpecialFunctions.regularizedIncompleteBeta(2.5, 4.5, 1 - x)
            XCTAssertEqual(lhs, rhs, accuracy: 1e-14)
        }
    }

    func testStudentTCDFMatchesScipy() {
        let cases: [(t: Double, df: Double, expected: Double)] = [
            (0, 10, 0.5), (1, 1, 0.75), (2, 5, 0.9490302605850708),
            (-2.5, 12.3, 0.013746387519974328), (3, 30, 0.9973050179671741),
            (-0.5, 2.5, 0.3288489599348574), (10, 100, 1.0),
        ]
        for c in cases {
            XCTAssertEqual(SpecialFunctions.studentTCDF(t: c.t, df: c.df), c.expected, accuracy: 1e-14, "t = \(c.t), df = \(c.df)")
        }
    }

    func testLogPValuesStayAccurateFarBelowDoubleRange() {
        // log of the two-sided p-value; the last is e^−847, which would underflow as a p.
        let cases: [(t: Double, df: Double, expected: Double)] = [
            (0.1, 3, -0.076176812019313112), (8, 20.5, -16.140411911269603),
            (40, 150, -186.94376837912844), (100, 198, -393.08779042100376),
            (1000, 198, -847.08779874804658),
        ]
        for c in cases {
            let lp = SpecialFunctions.studentTTwoSidedLogP(t: c.t, df: c.df)
            XCTAssertEqual(lp, c.expected, accuracy: 1e-12 * max(1, abs(c.expected)), "t = \(c.t), df = \(c.df)")
            XCTAssertEqual(SpecialFunctions.studentTTwoSidedLogP(t: -c.t, df: c.df), lp)
        }
        XCTAssertEqual(SpecialFunctions.studentTTwoSidedLogP(t: 0, df: 7), 0)
        XCTAssertEqual(SpecialFunctions.studentTTwoSidedLogP(t: .infinity, df: 7), -.infinity)
    }

    func testWelchTestMatchesScipy() {
        // scipy.stats.ttest_ind([1, 2.5, 3.1, 4.7, 2.2], [0.3, 0.1, -0.4, 0.9, 0.2, 0, 0.5], equal_var=False)
        let x: [Float] = [1, 2.5, 3.1, 4.7, 2.2], y: [Float] = [0.3, 0.1, -0.4, 0.9, 0.2, 0, 0.5]
        let test = WelchTest(SampleMoments(x, nodes: 1, column: 0, rows: Array(0..<5)),
                             SampleMoments(y, nodes: 1, column: 0, rows: Array(0..<7)))
        XCTAssertEqual(test.t, 3.9540404100000925, accuracy: 1e-6)   // Float data: 1e-7 relative
        XCTAssertEqual(test.df, 4.5201479819727535, accuracy: 1e-5)
        XCTAssertEqual(exp(test.logP), 0.013197587644329371, accuracy: 1e-7)
    }

    func testWelchTestDegenerateSamples() {
        let one = SampleMoments(mean: 3, variance: 0, count: 1)
        let many = SampleMoments(mean: 0, variance: 1, count: 50)
        XCTAssertEqual(WelchTest(one, many).logP, 0)                      // too few values: p = 1
        let constA = SampleMoments(mean: 2, variance: 0, count: 10)
        let constB = SampleMoments(mean: 5, variance: 0, count: 10)
        XCTAssertEqual(WelchTest(constA, constB).logP, -.infinity)       // two different constants
        XCTAssertEqual(WelchTest(constA, constA).logP, 0)
        XCTAssertEqual(WelchTest(SampleMoments(mean: .nan, variance: 1, count: 10), many).logP, 0)
    }
}
