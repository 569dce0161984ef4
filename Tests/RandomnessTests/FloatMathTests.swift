import Foundation
import Randomness
import XCTest

/// `FloatMath` against libm (evaluated in Double), and each vector function against its
/// scalar twin, lane by lane and bit for bit.
final class FloatMathTests: XCTestCase {
    /// |f(x) − ref(x)| in units in the last place of the Float nearest ref(x).
    func ulps(_ y: Float, _ ref: Double) -> Double {
        abs(Double(y) - ref) / Double(Float(ref).ulp)
    }

    /// Max ulp error over `count` uniform inputs in `range` plus the range's ends, and
    /// whether every lane of the vector version equals the scalar one.
    func check(_ name: String, _ range: ClosedRange<Float>, maxULP: Double, absolute: Double = 0,
               scalar: (Float) -> Float, vector: (FloatMath.Vector) -> FloatMath.Vector, libm: (Double) -> Double) {
        var rng = Xoshiro256(seed: 42)
        let count = 200_000
        var xs = (0..<count).map { _ in range.lowerBound + (range.upperBound - range.lowerBound) * rng.nextFloat() }
        xs += [range.lowerBound, range.upperBound, 0, -0.0, Float.leastNormalMagnitude].filter(range.contains)
        while xs.count % 16 != 0 { xs.append(range.upperBound) }
        var worst = (ulp: 0.0, x: Float(0))
        for i in stride(from: 0, to: xs.count, by: 16) {
            var v = FloatMath.Vector()
            for l in 0..<16 { v[l] = xs[i + l] }
            let out = vector(v)
            for l in 0..<16 {
                let x = xs[i + l], y = scalar(x), ref = libm(Double(x))
                XCTAssertEqual(out[l].bitPattern, y.bitPattern, "\(name)(\(x)): vector lane \(out[l]) ≠ scalar \(y)")
                let u = abs(Double(y) - ref) <= absolute ? 0 : ulps(y, ref)
                if u > worst.ulp { worst = (u, x) }
            }
        }
        XCTAssertLessThanOrEqual(worst.ulp, maxULP, "\(name) on \(range): \(worst.ulp) ulp at x = \(worst.x)")
    }

    func testExpWithinTwoULPOfLibm() {
        check("exp", -87...87, maxULP: 2, scalar: FloatMath.exp, vector: FloatMath.exp, libm: Foundation.exp)
        check("exp", -5...5, maxULP: 2, scalar: FloatMath.exp, vector: FloatMath.exp, libm: Foundation.exp)
    }

    func testLogWithinTwoULPOfLibm() {
        check("log", 1e-5...30, maxULP: 2, scalar: FloatMath.log, vector: FloatMath.log, libm: Foundation.log)
        check("log", 2.3e-10...1, maxULP: 2, scalar: FloatMath.log, vector: FloatMath.log, libm: Foundation.log)
        check("log", 1...3e38, maxULP: 2, scalar: FloatMath.log, vector: FloatMath.log, libm: Foundation.log)
    }

    /// Near a zero of sin the result is tiny and ulps are meaningless: 1e-7 absolute there.
    func testSinAndCosWithinTwoULPOrAbsolute1e7OfLibm() {
        for range: ClosedRange<Float> in [-20...20, -8192...8192, -1e6...1e6] {
            check("sin", range, maxULP: 2, absolute: 1e-7, scalar: FloatMath.sin, vector: FloatMath.sin, libm: Foundation.sin)
            check("cos", range, maxULP: 2, absolute: 1e-7, scalar: FloatMath.cos, vector: FloatMath.cos, libm: Foundation.cos)
        }
    }

    func testTanhWithinThreeULPOfLibm() {
        check("tanh", -1...1, maxULP: 3, scalar: FloatMath.tanh, vector: FloatMath.tanh, libm: Foundation.tanh)
        check("tanh", -60...60, maxULP: 3, scalar: FloatMath.tanh, vector: FloatMath.tanh, libm: Foundation.tanh)
    }

    func testAsinhWithinThreeULPOfLibm() {
        check("asinh", -1e6...1e6, maxULP: 3, scalar: FloatMath.asinh, vector: FloatMath.asinh, libm: Foundation.asinh)
        check("asinh", -5000...5000, maxULP: 3, scalar: FloatMath.asinh, vector: FloatMath.asinh, libm: Foundation.asinh)
        check("asinh", -3...3, maxULP: 3, scalar: FloatMath.asinh, vector: FloatMath.asinh, libm: Foundation.asinh)
        check("asinh", -1e-3...1e-3, maxULP: 3, scalar: FloatMath.asinh, vector: FloatMath.asinh, libm: Foundation.asinh)
        var xs: [Float] = (0..<37).map { Float($0) * 0.77 - 13 }
        let want = xs.map { FloatMath.asinh($0) }
        xs.withUnsafeMutableBufferPointer { FloatMath.asinh($0.baseAddress!, count: $0.count) }
        XCTAssertEqual(xs, want, "the array form: full vectors and the tail")
        XCTAssertEqual(FloatMath.asinh(-0.0).bitPattern, Float(-0.0).bitPattern)
    }

    func testNaNPassesThroughWithoutTrapping() {
        XCTAssertTrue(FloatMath.sin(.nan).isNaN)
        XCTAssertTrue(FloatMath.exp(.nan).isNaN)
        XCTAssertTrue(FloatMath.tanh(.nan).isNaN)
        XCTAssertTrue(FloatMath.cos(FloatMath.Vector(repeating: .nan))[3].isNaN)
    }
}

/// The Float Box–Muller noise of the SCM sampler.
final class FloatGaussianTests: XCTestCase {
    func testVectorFillEqualsScalarPairsInBlocksOf32() {
        var a = Xoshiro256(seed: 3), b = a
        var buf = [Float](repeating: 0, count: 70)  // two full blocks and a short one
        buf.withUnsafeMutableBufferPointer { a.fillGaussianFloat($0, std: 1.5) }
        var want: [Float] = []
        for _ in 0..<3 {
            let pairs = (0..<16).map { _ in Xoshiro256.gaussianPair(b.next()) }
            want += pairs.map { $0.0 * 1.5 } + pairs.map { $0.1 * 1.5 }
        }
        XCTAssertEqual(buf, Array(want[0..<70]))
        XCTAssertEqual(a, b, "a short block still consumes 16 draws")
    }

    func testMomentsAndTailsOfAStandardNormal() {
        var g = Xoshiro256(seed: 11)
        let n = 400_000
        var buf = [Float](repeating: 0, count: n)
        buf.withUnsafeMutableBufferPointer { g.fillGaussianFloat($0, std: 2) }
        let z = buf.map { Double($0) / 2 }
        let mean = z.reduce(0, +) / Double(n)
        let variance = z.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n - 1)
        let kurtosis = z.reduce(0) { $0 + pow($1 - mean, 4) } / Double(n) / (variance * variance)
        XCTAssertEqual(mean, 0, accuracy: 5 / Double(n).squareRoot())
        XCTAssertEqual(variance, 1, accuracy: 5 * (2.0 / Double(n - 1)).squareRoot())
        XCTAssertEqual(kurtosis, 3, accuracy: 5 * (24.0 / Double(n)).squareRoot())
        // P(|Z| > 3) = 0.0026998: binomial sd ≈ 0.000082 at this n.
        let beyond3 = Double(z.filter { abs($0) > 3 }.count) / Double(n)
        XCTAssertEqual(beyond3, 0.0026998, accuracy: 5 * 0.000082)
        XCTAssertTrue(z.allSatisfy { $0.isFinite && abs($0) < 6.7 })
    }
}
