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
        guard let l = choleskyFactor(m, n: n) else { return nil }
        // Solve L Lᵀ X = I for all n columns at once: each row operation runs across the columns
        // (independent lanes, vectorised), while every element is summed in the order of a
        // column-by-column solve (k ascending), so the result is that solve's bit for bit
        // (`inverseSPDByColumns`). Column by column, each sum was one dependent scalar chain:
        // at N = 200 this inverse was 9% of the data producer's time.
        var x = [Double](repeating: 0, count: n * n)  // [N, N] row i of L⁻¹, then of the inverse
        x.withUnsafeMutableBufferPointer { xb in
            l.withUnsafeBufferPointer { lb in
                let x = xb.baseAddress!, l = lb.baseAddress!
                for i in 0..<n {  // forward: L y = e_c for every c
                    let row = x + i * n
                    row[i] = 1
                    for k in 0..<i {
                        let lik = l[i * n + k], other = x + k * n
                        for c in 0..<n { row[c] -= lik * other[c] }
                    }
                    let d = l[i * n + i]
                    for c in 0..<n { row[c] /= d }
                }
                for i in stride(from: n - 1, through: 0, by: -1) {  // back: Lᵀ x = y
                    let row = x + i * n
                    for k in (i + 1)..<max(n, i + 1) {
                        let lki = l[k * n + i], other = x + k * n
                        for c in 0..<n { row[c] -= lki * other[c] }
                    }
                    let d = l[i * n + i]
                    for c in 0..<n { row[c] /= d }
                }
            }
        }
        return x
    }

    /// The lower Cholesky factor L of a symmetric positive-definite [n, n] matrix (m = L Lᵀ), nil if it is not.
    static func choleskyFactor(_ m: [Double], n: Int) -> [Double]? {
        var l = [Double](repeating: 0, count: n * n)  // [N, N]
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
        return l
    }

    /// The same inverse solved column by column (the reference the tests compare with).
    static func inverseSPDByColumns(_ m: [Double], n: Int) -> [Double]? {
        guard let l = choleskyFactor(m, n: n) else { return nil }
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
        // its strict upper triangle packed, so dCov² = Σ diag·diag + 2 Σ upper·upper, two Gram
        // matrices over rows padded with zeros to whole 8-lane vectors.
        let upper = s * (s - 1) / 2
        let (diagStride, upperStride) = (roundUp8(s), roundUp8(upper))
        var diag = [Double](repeating: 0, count: n * diagStride)     // [N, S] (padded)
        var packed = [Double](repeating: 0, count: n * upperStride)  // [N, S(S−1)/2] (padded)
        var x = [Double](repeating: 0, count: s)                     // [S] one column
        var rowMean = [Double](repeating: 0, count: s)               // [S]
        // Raw pointers: with array indexing the two O(S²) loops below did not vectorise.
        x.withUnsafeMutableBufferPointer { x in
        rowMean.withUnsafeMutableBufferPointer { rowMean in
        diag.withUnsafeMutableBufferPointer { diag in
        packed.withUnsafeMutableBufferPointer { packed in
            for c in 0..<n {
                for a in 0..<s { x[a] = Double(data[a * n + c]) }
                var grand = 0.0
                for a in 0..<s {
                    let xa = x[a]
                    var sum = 0.0
                    for b in 0..<s { sum += abs(xa - x[b]) }
                    rowMean[a] = sum / Double(s)
                    grand += rowMean[a]
                }
                grand /= Double(max(s, 1))
                var k = c * upperStride
                for a in 0..<s {  // column means = row means
                    diag[c * diagStride + a] = grand - 2 * rowMean[a]  // dist[a, a] = 0
                    let shift = grand - rowMean[a], xa = x[a]
                    let row = packed.baseAddress! + k - (a + 1)  // row[b] for b > a
                    for b in (a + 1)..<max(s, a + 1) { row[b] = abs(xa - x[b]) + shift - rowMean[b] }
                    k += s - 1 - a
                }
            }
        }}}}
        let gd = gram(diag, rows: n, stride: diagStride), gp = gram(packed, rows: n, stride: upperStride)
        var out = [Float](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0..<n {
                let v = ((gd[i * n + i] + 2 * gp[i * n + i]) * (gd[j * n + j] + 2 * gp[j * n + j])).squareRoot()
                let dcov = gd[i * n + j] + 2 * gp[i * n + j]  // times S²
                // dCor = √(dCov² / √(dVar²_i dVar²_j)); dCov² can be −0 by rounding.
                out[i * n + j] = v > 1e-12 ? Float(min((max(dcov, 0) / v).squareRoot(), 1)) : 0
            }
        }
        return out
    }

    static func roundUp8(_ k: Int) -> Int { (k + 7) / 8 * 8 }

    /// [n, n] Gram matrix x xᵀ of the rows of x [n, stride] (stride a multiple of 8). Blocks
    /// of 4 × 4 rows share their loads (each 8-lane vector feeds four products): the stream
    /// computes this for every context at S(S−1)/2 ≈ 5000 columns, and a dot product per pair
    /// spent two loads per multiply.
    static func gram(_ x: [Double], rows n: Int, stride: Int) -> [Double] {
        var g = [Double](repeating: 0, count: n * n)
        guard n > 0, stride > 0 else { return g }
        x.withUnsafeBufferPointer { xb in
            let base = UnsafeRawPointer(xb.baseAddress!)
            func load(_ row: Int, _ k: Int) -> SIMD8<Double> {
                base.loadUnaligned(fromByteOffset: (row * stride + k) * 8, as: SIMD8<Double>.self)
            }
            for i0 in Swift.stride(from: 0, to: n, by: 4) {
                // Rows past n repeat the last row; their sums are computed and dropped.
                let i = (i0, min(i0 + 1, n - 1), min(i0 + 2, n - 1), min(i0 + 3, n - 1))
                for j0 in Swift.stride(from: i0, to: n, by: 4) {
                    let j = (j0, min(j0 + 1, n - 1), min(j0 + 2, n - 1), min(j0 + 3, n - 1))
                    let z = SIMD8<Double>(repeating: 0)
                    var (a00, a01, a02, a03, a10, a11, a12, a13) = (z, z, z, z, z, z, z, z)
                    var (a20, a21, a22, a23, a30, a31, a32, a33) = (z, z, z, z, z, z, z, z)
                    for k in Swift.stride(from: 0, to: stride, by: 8) {
                        let (x0, x1, x2, x3) = (load(i.0, k), load(i.1, k), load(i.2, k), load(i.3, k))
                        let (y0, y1, y2, y3) = (load(j.0, k), load(j.1, k), load(j.2, k), load(j.3, k))
                        a00.addProduct(x0, y0); a01.addProduct(x0, y1); a02.addProduct(x0, y2); a03.addProduct(x0, y3)
                        a10.addProduct(x1, y0); a11.addProduct(x1, y1); a12.addProduct(x1, y2); a13.addProduct(x1, y3)
                        a20.addProduct(x2, y0); a21.addProduct(x2, y1); a22.addProduct(x2, y2); a23.addProduct(x2, y3)
                        a30.addProduct(x3, y0); a31.addProduct(x3, y1); a32.addProduct(x3, y2); a33.addProduct(x3, y3)
                    }
                    let sums = [a00, a01, a02, a03, a10, a11, a12, a13, a20, a21, a22, a23, a30, a31, a32, a33]
                    for r in 0..<min(4, n - i0) {
                        for c in 0..<min(4, n - j0) {
                            let v = sums[r * 4 + c].sum()
                            g[(i0 + r) * n + j0 + c] = v
                            g[(j0 + c) * n + i0 + r] = v
                        }
                    }
                }
            }
        }
        return g
    }
}
