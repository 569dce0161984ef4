@testable import SCMGen
import Randomness
import Foundation
import XCTest

/// The statistics behind PairFeatures version 2, against values computed with numpy/scipy
/// (reference/pair_features_study.py's formulas; the numbers are in the comments' commands).
final class PairStatisticsTests: XCTestCase {
    /// [6, 4]: column 1 = column 0² (uncorrelated with it but dependent), ties in column 1,
    /// column 3 constant.
    private let data: [Float] = [-2, 4, 1, 3,  -1, 1, 2, 3,  0, 0, 3, 3,  1, 1, 5, 3,  2, 4, 4, 3,  0.5, 0.25, 3, 3]

    /// numpy: the study's `distance_correlation(x)`.
    func testDistanceCorrelationMatchesTheReferenceAndSeesAQuadraticEdge() {
        let d = PairStatistics.distanceCorrelation(data, nodes: 4)
        let want: [Float] = [1, 0.55530993, 0.9424567, 0,  0.55530993, 1, 0.50806756, 0,
                             0.9424567, 0.50806756, 1, 0,  0, 0, 0, 0]
        for k in 0..<16 { XCTAssertEqual(d[k], want[k], accuracy: 1e-5, "entry \(k)") }
        XCTAssertLessThan(abs(RegimeContext.correlation(data, nodes: 4)[1]), 0.06, "Pearson misses x²")
    }

    /// scipy.stats.spearmanr (average ranks for ties); a constant column gives 0.
    func testSpearmanUsesAverageRanks() {
        let r = PairStatistics.spearman(data, nodes: 4)
        XCTAssertEqual(r[0 * 4 + 1], 0.02942449, accuracy: 1e-5)
        XCTAssertEqual(r[0 * 4 + 2], 0.92763366, accuracy: 1e-5)
        XCTAssertEqual(r[1 * 4 + 2], -0.11941629, accuracy: 1e-5)
        XCTAssertEqual(r[0 * 4 + 3], 0)
        // Monotone but nonlinear: rank correlation 1.
        let mono: [Float] = [1, 2.7, 2, 7.4, 3, 20.1, 4, 54.6]
        XCTAssertEqual(PairStatistics.spearman(mono, nodes: 2)[1], 1, accuracy: 1e-6)
    }

    /// numpy: −P/√(diag P diag Pᵀ) with P = inv(corrcoef(x[:, :3]) + 1e-3 I). The constant
    /// column's zero row keeps the other block as if it were absent.
    func testPartialCorrelationIsFromTheRidgedPrecisionMatrix() {
        let p = PairStatistics.partialCorrelation(RegimeContext.correlation(data, nodes: 4), nodes: 4)
        XCTAssertEqual(p[0 * 4 + 1], 0.34094218, accuracy: 1e-5)
        XCTAssertEqual(p[0 * 4 + 2], 0.90304876, accuracy: 1e-5)
        XCTAssertEqual(p[2 * 4 + 1], -0.40195267, accuracy: 1e-5)
        XCTAssertEqual(p[3 * 4 + 0], 0)
        XCTAssertEqual(p[0], 0, "diagonal 0")
    }

    /// The inverse behind the partial correlations solves all columns at once; every element is
    /// summed as a column-by-column solve sums it, so the two agree bit for bit (and it inverts).
    func testInverseSPDSolvesAllColumnsAsTheColumnByColumnSolveDoes() {
        var rng = Xoshiro256(seed: 12)
        for n in [1, 2, 7, 33, 120] {
            let g = (0..<(n * n)).map { _ in rng.nextGaussian() }  // [N, N]
            var m = [Double](repeating: 0, count: n * n)          // G Gᵀ / n + 0.1 I: SPD
            for i in 0..<n { for j in 0..<n {
                var s = 0.0
                for k in 0..<n { s += g[i * n + k] * g[j * n + k] }
                m[i * n + j] = s / Double(n) + (i == j ? 0.1 : 0)
            } }
            guard let fast = PairStatistics.inverseSPD(m, n: n), let slow = PairStatistics.inverseSPDByColumns(m, n: n) else {
                return XCTFail("n = \(n): an SPD matrix was refused")
            }
            XCTAssertEqual(fast.map(\.bitPattern), slow.map(\.bitPattern), "n = \(n)")
            var worst = 0.0  // m · inverse = I
            for i in 0..<n { for j in 0..<n {
                var s = 0.0
                for k in 0..<n { s += m[i * n + k] * fast[k * n + j] }
                worst = max(worst, abs(s - (i == j ? 1 : 0)))
            } }
            XCTAssertLessThan(worst, 1e-8, "n = \(n)")
        }
        XCTAssertNil(PairStatistics.inverseSPD([1, 2, 2, 1], n: 2), "not positive definite")
    }

    /// scipy.stats.ttest_ind([4, 6, 5, 7], [1, 2, 3], equal_var=False).statistic = 4.0414518843.
    func testWelchTAndItsGuards() {
        let t = PairStatistics.welchT(mean: 5.5, variance: 5.0 / 3, count: 4, mean: 2, variance: 1, count: 3)
        XCTAssertEqual(t, 4.041451884327381, accuracy: 1e-12)
        XCTAssertEqual(PairStatistics.welchT(mean: 5, variance: 0, count: 4, mean: 2, variance: 0, count: 3), PairStatistics.tCap)
        XCTAssertEqual(PairStatistics.welchT(mean: 2, variance: 0, count: 4, mean: 2, variance: 0, count: 3), 0)
        XCTAssertEqual(PairStatistics.welchT(mean: 5, variance: 1, count: 1, mean: 2, variance: 1, count: 3), 0, "one row: no t")
    }

    /// Regimes 0 (node 1 = 8), 1 (node 1 = 5), 2 (node 0 = 5): node 1's slots are in value
    /// order (5 then 8); t-values are scipy's Welch t against the observational rows.
    func testRegimeTStatisticsAreInValueOrderWithTheirSizes() {
        let obs: [Float] = [0, 1, 2,  1, 3, 2,  2, 2, 5,  3, 6, 4]
        let int: [Float] = [1, 8, 9,  2, 8, 7,  0, 5, 3,  1, 5, 6,  5, 1, 1,  5, 2, 0]
        let d = SCMDataset(nodeCount: 3, observational: obs, interventional: int, regime: [0, 0, 1, 1, 2, 2],
                           regimeTargets: [1, 1, 0], regimeValues: [8, 5, 5], queryIndex: [0, 1, 2, 3, 0, 1])
        let c = RegimeContext(d)
        let t = { (i: Int, j: Int, r: Int) in Double(c.regimeT[(i * 3 + j) * 3 + r]) }
        XCTAssertEqual(t(1, 0, 0), -1.224744871391589, accuracy: 1e-5)  // value 5
        XCTAssertEqual(t(1, 2, 0), 0.7453559924999299, accuracy: 1e-5)
        XCTAssertEqual(t(1, 2, 1), 3.8, accuracy: 1e-5)                   // value 8
        XCTAssertEqual(t(1, 0, 1), 0, accuracy: 1e-6)
        XCTAssertEqual(t(0, 1, 0), -1.260252075625209, accuracy: 1e-5)
        XCTAssertEqual(t(0, 2, 0), -3.05085107923876, accuracy: 1e-5)
        XCTAssertEqual(t(1, 1, 0), 0, "the target's own column")
        XCTAssertEqual(t(0, 1, 1), 0, "node 0 has one regime")
        XCTAssertEqual((0..<3).map { t(2, 0, $0) }, [0, 0, 0], "node 2 is never intervened")
        XCTAssertEqual(c.regimeCount, [2, 0, 0,  2, 2, 0,  0, 0, 0])
        XCTAssertEqual(c.observationalCount, 4)
        // Only regime 0 in the context: node 1 has one slot, value 8.
        let sub = RegimeContext(d, regimes: 0..<1)
        XCTAssertEqual(Double(sub.regimeT[(1 * 3 + 2) * 3 + 0]), 3.8, accuracy: 1e-5)
        XCTAssertEqual(sub.regimeCount, [0, 0, 0,  2, 0, 0,  0, 0, 0])
    }

    /// The 4 × 4-blocked Gram matrix equals plain dot products, with a partial last block
    /// (7 rows) and zero padding past the used columns.
    func testGramMatchesPlainDotProducts() {
        var rng = Xoshiro256(seed: 3)
        let (n, stride) = (7, 24)
        var x = [Double](repeating: 0, count: n * stride)
        for r in 0..<n { for k in 0..<21 { x[r * stride + k] = Double(rng.nextFloat()) * 4 - 2 } }
        let g = PairStatistics.gram(x, rows: n, stride: stride)
        for i in 0..<n {
            for j in 0..<n {
                let want = (0..<stride).reduce(0.0) { $0 + x[i * stride + $1] * x[j * stride + $1] }
                XCTAssertEqual(g[i * n + j], want, accuracy: 1e-12, "(\(i), \(j))")
            }
        }
    }

    /// Distance correlation of a larger sample against its definition computed the slow way
    /// (full S × S double-centred matrices): the packed, blocked path changes only rounding.
    func testDistanceCorrelationEqualsTheDefinitionOnALargerSample() {
        var rng = Xoshiro256(seed: 11)
        let (s, n) = (37, 6)
        var data = [Float](repeating: 0, count: s * n)
        for r in 0..<s {
            let z = rng.nextFloat() * 6 - 3
            data[r * n + 0] = z
            data[r * n + 1] = z * z + rng.nextFloat()
            data[r * n + 2] = sin(2 * z)
            for c in 3..<n { data[r * n + c] = rng.nextFloat() }
        }
        func centred(_ c: Int) -> [Double] {
            var d = [Double](repeating: 0, count: s * s)
            for a in 0..<s { for b in 0..<s { d[a * s + b] = abs(Double(data[a * n + c]) - Double(data[b * n + c])) } }
            let row = (0..<s).map { a in (0..<s).reduce(0.0) { $0 + d[a * s + $1] } / Double(s) }
            let grand = row.reduce(0, +) / Double(s)
            for a in 0..<s { for b in 0..<s { d[a * s + b] += grand - row[a] - row[b] } }
            return d
        }
        let a = (0..<n).map(centred)
        func v(_ i: Int, _ j: Int) -> Double { zip(a[i], a[j]).reduce(0) { $0 + $1.0 * $1.1 } }
        let got = PairStatistics.distanceCorrelation(data, nodes: n)
        for i in 0..<n {
            for j in 0..<n {
                let want = (max(v(i, j), 0) / (v(i, i) * v(j, j)).squareRoot()).squareRoot()
                XCTAssertEqual(Double(got[i * n + j]), want, accuracy: 1e-5, "(\(i), \(j))")
            }
        }
    }

    /// A context for version-1 pair features skips the statistics (most of its cost) and
    /// keeps every field version 1 reads.
    func testContextWithoutPairStatisticsKeepsTheVersion1Fields() {
        var rng = Xoshiro256(seed: 5)
        let d = SCMDataset.sample(nodeCount: 8, config: PriorConfig(), rng: &rng)
        let full = RegimeContext(d), lean = RegimeContext(d, pairStatistics: false)
        XCTAssertEqual(lean.mean, full.mean)
        XCTAssertEqual(lean.std, full.std)
        XCTAssertEqual(lean.intervened, full.intervened)
        XCTAssertEqual(lean.correlation, full.correlation)
        XCTAssertTrue(full.distanceCorrelation.contains { $0 > 0 } && full.regimeT.contains { $0 != 0 })
        for field in [lean.regimeT, lean.regimeCount, lean.partialCorrelation, lean.spearman, lean.distanceCorrelation] {
            XCTAssertTrue(field.allSatisfy { $0 == 0 })
        }
        XCTAssertEqual(lean.observationalCount, 0)
    }
}
