// Welch's unequal-variance t-test of two means, as scipy's `ttest_ind(equal_var=False)`.

/// Mean, unbiased variance and size of one sample.
public struct SampleMoments: Equatable, Sendable {
    public var mean: Double
    public var variance: Double   // n − 1 denominator; 0 for a single value
    public var count: Int

    public init(mean: Double, variance: Double, count: Int) {
        self.mean = mean; self.variance = variance; self.count = count
    }

    /// Column `column` over `rows` of `data` [S, N] (two passes in Double).
    public init(_ data: [Float], nodes n: Int, column: Int, rows: [Int]) {
        var sum = 0.0
        for r in rows { sum += Double(data[r * n + column]) }
        let m = sum / Double(max(rows.count, 1))
        var ss = 0.0
        for r in rows { let e = Double(data[r * n + column]) - m; ss += e * e }
        self.init(mean: m, variance: rows.count > 1 ? ss / Double(rows.count - 1) : 0, count: rows.count)
    }
}

public struct WelchTest: Equatable, Sendable {
    /// (mean₁ − mean₂) / √(v₁/n₁ + v₂/n₂).
    public var t: Double
    /// Welch–Satterthwaite degrees of freedom.
    public var df: Double
    /// log of the two-sided p-value; 0 (p = 1) when the test is undefined.
    public var logP: Double

    /// Needs at least 2 values per sample; otherwise (or with NaN data) p = 1. Two constant
    /// samples give p = 0 when their means differ and p = 1 when they are equal.
    public init(_ x: SampleMoments, _ y: SampleMoments) {
        let vx = x.variance / Double(x.count), vy = y.variance / Double(y.count)
        let se2 = vx + vy
        guard x.count > 1, y.count > 1, se2.isFinite, x.mean.isFinite, y.mean.isFinite else {
            self.t = 0; self.df = 0; self.logP = 0; return
        }
        guard se2 > 0 else {
            let differ = x.mean != y.mean
            self.t = differ ? (x.mean > y.mean ? .infinity : -.infinity) : 0
            self.df = Double(x.count + y.count - 2)
            self.logP = differ ? -.infinity : 0
            return
        }
        t = (x.mean - y.mean) / se2.squareRoot()
        df = se2 * se2 / (vx * vx / Double(x.count - 1) + vy * vy / Double(y.count - 1))
        let lp = SpecialFunctions.studentTTwoSidedLogP(t: t, df: df)
        logP = lp.isNaN ? 0 : min(lp, 0)
    }
}
