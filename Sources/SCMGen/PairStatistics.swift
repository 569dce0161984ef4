import Foundation

/// Per-pair statistics of a dataset beyond the Pearson correlation and the pooled shift (the
/// inputs of `PairFeatures` version 2; docs/studies/pair-features.md measures what each adds).
/// Each is computed once per dataset in Double. Reference: reference/pair_features_study.py.
public enum PairStatistics {
    /// Welch's t of a sample (mean mx, unbiased variance vx, size nx) against another, with a
    /// guard: 0 when either has fewer than 2 rows, ±`tCap` when both variances are 0 and the
    /// means differ (an intervened constant column against a constant one), and clipped to ±tCap.
    public static func welchT(mean mx: Double, variance vx: Double, count nx: Int,
                              mean my: Double, variance vy: Double, count ny: Int) -> Double {
        guard nx >= 2, ny >= 2 else { return 0 }
        let se2 = vx / Double(nx) + vy / Double(ny), d = mx - my
        if !(se2 > 0) { return d == 0 ? 0 : (d > 0 ? tCap : -tCap) }
        return min(max(d / se2.squareRoot(), -tCap), tCap)
    }

    public static let tCap = 1e6

    /// [N, N] partial correlations −P_ij / √(P_ii P_jj) with P = (R + ridge·I)⁻¹ and R the
    /// correlation matrix [N, N] (a constant column has a zero row in R; the ridge keeps the
    /// inverse finite). Diagonal 0.
    public static func partialCorrelation(_ r: [Float], nodes n: Int, ridge: Double = 1e-3) -> [Float] {
        var a = [Double](repeating: 0, count: n * n)  // [N, N] R + ridge·I, then its Cholesky factor
        for i in 0..<(n * n) { a[i] = Double(r[i]) }
        for i in 0..<n { a[i * n + i] += ridge }
        guard let p = inverseSPD(a, n: n) else { return [Float](repeating: 0, count: n * n) }
        var out = [Float](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0..<n where i != j {
                let v = -p[i * n + j] / (p[i * n + i] * p[j * n + j]).squareRoot()
                out[i * n + j] = v.isFinite ? Float(min(max(v, -1), 1)) : 0
            }
        }
        return out
    }

    /// The inverse of a symmetric positive-definite [n, n] matrix by Cholesky (nil if it is not).
    static func inverseSPD(_ m: [Double], n: Int) -> [Double]? {
        var l = [Double](repeating: 0, count: n * n)  // [N, N] lower factor, m = L Lᵀ
        for j in 0..<n {
            var d = m[j * n + j]
            for k in 0..<j { d -= l[j * n + k] * l[j * n + k] }
            guard d > 0 else { return nil }
            let ljj = d.squareRoot()
            l[j * n + j] = ljj
            for i in (j + 1)..<max(n, j + 1) {
                var s = m[i * n + j]
                for k in 0..<j { s -= l[i * n + k] * l[j * n + k] }
                l[i * n + j] = s / ljj
            }
        }
        var inv = [Double](repeating: 0, count: n * n)
        var col = [Double](repeating: 0, count: n)
        for c in 0..<n {  // solve L Lᵀ x = e_c
            for i in 0..<n {
                var s = i == c ? 1.0 : 0.0
                for k in 0..<i { s -= l[i * n + k] * col[k] }
                col[i] = s / l[i * n + i]
            }
            for i in stride(from: n - 1, through: 0, by: -1) {
                var s = col[i]
                for k in (i + 1)..<max(n, i + 1) { s -= l[k * n + i] * col[k] }
                col[i] = s / l[i * n + i]
            }
            for i in 0..<n { inv[i * n + c] = col[i] }
        }
        return inv
    }

    /// [N, N] Spearman correlation of the rows of `data` [S, N]: the Pearson correlation of the
    /// columns' ranks (ties get their average rank, as scipy's rankdata).
    public static func spearman(_ data: [Float], nodes n: Int) -> [Float] {
        let s = n == 0 ? 0 : data.count / n
        var ranks = [Float](repeating: 0, count: s * n)  // [S, N]
        var order = Array(0..<s)
        for c in 0..<n {
            order.sort { data[$0 * n + c] < data[$1 * n + c] }
            var lo = 0
            while lo < s {
                var hi = lo + 1
                while hi < s && data[order[hi] * n + c] == data[order[lo] * n + c] { hi += 1 }
                let rank = Float(lo + hi + 1) / 2  // average of ranks lo+1 ... hi
                for k in lo..<hi { ranks[order[k] * n + c] = rank }
                lo = hi
            }
        }
        return RegimeContext.correlation(ranks, nodes: n)
    }

    /// [N, N] distance correlation (Székely's V-statistic) of every pair of columns of the rows of
    /// `data` [S, N]: it is 0 only for independent columns, so it sees the sin/cos/quadratic
    /// edges a linear or rank correlation misses. O(N S² + N² S²), so only the first `maxRows`
    /// rows are used (a suite has 100; an imported CSV may have far more). A constant column gives 0.
    public static func distanceCorrelation(_ data: [Float], nodes n: Int, maxRows: Int = 256) -> [Float] {
        let s = n == 0 ? 0 : min(data.count / n, maxRows)
        // Per column the double-centred |x_a − x_b| matrix is symmetric: keep its diagonal and
        // its strict upper triangle packed, so dCov² = Σ diag·diag + 2 Σ upper·upper.
        let upper = s * (s - 1) / 2
        var diag = [Double](repeating: 0, count: n * s)       // [N, S]
        var packed = [Double](repeating: 0, count: n * upper)  // [N, S(S−1)/2]
        var dist = [Double](repeating: 0, count: s * s)        // [S, S] scratch
        var rowMean = [Double](repeating: 0, count: s)
        for c in 0..<n {
            var grand = 0.0
            for a in 0..<s {
                let xa = Double(data[a * n + c])
                var sum = 0.0
                for b in 0..<s {
                    let d = abs(xa - Double(data[b * n + c]))
                    dist[a * s + b] = d
                    sum += d
                }
                rowMean[a] = sum / Double(s)
                grand += rowMean[a]
            }
            grand /= Double(max(s, 1))
            var k = c * upper
            for a in 0..<s {  // column means = row means
                diag[c * s + a] = grand - 2 * rowMean[a]  // dist[a, a] = 0
                for b in (a + 1)..<max(s, a + 1) {
                    packed[k] = dist[a * s + b] + grand - rowMean[a] - rowMean[b]
                    k += 1
                }
            }
        }
        var dcov = [Double](repeating: 0, count: n * n)  // [N, N] times S²
        for i in 0..<n {
            for j in i..<n {
                let v = dot(diag, i * s, j * s, s) + 2 * dot(packed, i * upper, j * upper, upper)
                (dcov[i * n + j], dcov[j * n + i]) = (v, v)
            }
        }
        var out = [Float](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0..<n {
                let v = (dcov[i * n + i] * dcov[j * n + j]).squareRoot()
                // dCor = √(dCov² / √(dVar²_i dVar²_j)); dCov² can be −0 by rounding.
                out[i * n + j] = v > 1e-12 ? Float(min((max(dcov[i * n + j], 0) / v).squareRoot(), 1)) : 0
            }
        }
        return out
    }

    /// Σ x[p + k]·x[q + k] for k < count, in 8 lanes (the stream computes ~N²/2 of these of
    /// length ~S²/2 per dataset; a scalar loop made the mixed stream several times slower).
    static func dot(_ x: [Double], _ p: Int, _ q: Int, _ count: Int) -> Double {
        guard count > 0 else { return 0 }
        return x.withUnsafeBufferPointer { b in
            let base = UnsafeRawPointer(b.baseAddress!)
            var acc = SIMD8<Double>(repeating: 0)
            var k = 0
            while k + 8 <= count {
                acc += base.loadUnaligned(fromByteOffset: (p + k) * 8, as: SIMD8<Double>.self)
                    * base.loadUnaligned(fromByteOffset: (q + k) * 8, as: SIMD8<Double>.self)
                k += 8
            }
            var tail = acc.sum()
            while k < count {
                tail += b[p + k] * b[q + k]
                k += 1
            }
            return tail
        }
    }
}
