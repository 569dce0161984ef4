// The regularized incomplete beta function and the Student-t tail it gives, in log space so
// that the p-values of large t-statistics (far below 1e-308) still rank instead of underflowing.
import Foundation

public enum SpecialFunctions {
    /// log Γ(x) for x > 0.
    static func logGamma(_ x: Double) -> Double { lgamma(x) }

    /// I_x(a, b) = B(x; a, b) / B(a, b), the regularized incomplete beta function, for a, b > 0
    /// and 0 ≤ x ≤ 1 (NaN outside).
    public static func regularizedIncompleteBeta(_ a: Double, _ b: Double, _ x: Double) -> Double {
        exp(logRegularizedIncompleteBeta(a, b, x: x, complement: 1 - x))
    }

    /// log I_x(a, b), with 1 − x passed separately so that a caller who knows it exactly (the
    /// t tail: 1 − df/(df + t²) = t²/(df + t²)) loses no digits near x = 1.
    ///
    /// Numerical Recipes' `betai`: the continued fraction for I_x(a, b) converges quickly for
    /// x < (a + 1)/(a + b + 2); above that point the symmetry I_x(a, b) = 1 − I_{1−x}(b, a) is
    /// used instead. The prefactor x^a (1−x)^b / (a B(a, b)) is kept as a logarithm.
    public static func logRegularizedIncompleteBeta(_ a: Double, _ b: Double, x: Double, complement y: Double) -> Double {
        guard a > 0, b > 0, x >= 0, x <= 1, y >= 0, y <= 1 else { return .nan }
        if x == 0 { return -.infinity }
        if y == 0 { return 0 }
        let logFront = logGamma(a + b) - logGamma(a) - logGamma(b) + a * log(x) + b * log(y)
        if x < (a + 1) / (a + b + 2) {
            return logFront + log(betaContinuedFraction(a, b, x)) - log(a)
        }
        let upper = exp(logFront + log(betaContinuedFraction(b, a, y)) - log(b))   // I_y(b, a)
        return log1p(-min(upper, 1))
    }

    /// The continued fraction of I_x(a, b) by the modified Lentz method (Numerical Recipes
    /// §6.4, `betacf`): terms d_{2m+1} = −(a+m)(a+b+m)x / ((a+2m)(a+2m+1)) and
    /// d_{2m} = m(b−m)x / ((a+2m−1)(a+2m)). It converges in O(√max(a, b)) iterations on the
    /// side of the symmetry point where it is called; the iteration cap is far beyond that.
    static func betaContinuedFraction(_ a: Double, _ b: Double, _ x: Double) -> Double {
        let tiny = 1e-300, epsilon = 1e-16
        let qab = a + b, qap = a + 1, qam = a - 1
        var c = 1.0
        var d = 1 - qab * x / qap
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var h = d
        for m in 1...10_000 {
            let m = Double(m), m2 = 2 * m
            var aa = m * (b - m) * x / ((qam + m2) * (a + m2))           // even step
            d = 1 + aa * d; if abs(d) < tiny { d = tiny }
            c = 1 + aa / c; if abs(c) < tiny { c = tiny }
            d = 1 / d
            h *= d * c
            aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))      // odd step
            d = 1 + aa * d; if abs(d) < tiny { d = tiny }
            c = 1 + aa / c; if abs(c) < tiny { c = tiny }
            d = 1 / d
            let step = d * c
            h *= step
            if abs(step - 1) < epsilon { break }
        }
        return h
    }

    /// log of the two-sided p-value P(|T| ≥ |t|) of Student's t with `df` > 0 degrees of
    /// freedom: I_{df/(df+t²)}(df/2, 1/2). ±∞ gives −∞ (p = 0); NaN gives NaN.
    public static func studentTTwoSidedLogP(t: Double, df: Double) -> Double {
        guard t.isFinite else { return t.isNaN ? .nan : -.infinity }
        let t2 = t * t
        return logRegularizedIncompleteBeta(df / 2, 0.5, x: df / (df + t2), complement: t2 / (df + t2))
    }

    /// P(T ≤ t) of Student's t with `df` degrees of freedom.
    public static func studentTCDF(t: Double, df: Double) -> Double {
        let tail = exp(studentTTwoSidedLogP(t: t, df: df)) / 2   // P(T ≥ |t|)
        return t < 0 ? tail : 1 - tail
    }
}
