/// What the whole dataset says about pairs of nodes, beyond the one regime an item is drawn
/// from (not in the seed). The seed's encoder sees the marginal statistics of a single regime
/// per item: that identifies the target's descendants but not which pairs are direct edges.
/// This context holds, for every intervened node i, the statistics of every node j pooled over
/// all rows under do(i = ·), plus the observational correlations, so a model can compare the
/// responses of all targets and the dependences among non-intervened nodes.
public struct RegimeContext: Equatable, Sendable {
    public var nodeCount: Int
    public var mean: [Float]         // [N, N] row i: column means over the rows under do(i)
    public var std: [Float]          // [N, N] row i: unbiased column stds over those rows
    public var intervened: [Float]   // [N] 1 if some regime of the context targets node i
    public var correlation: [Float]  // [N, N] Pearson correlation of the observational rows

    /// The context of `d` from the regimes in `regimes` (all when nil). Rows i of never-
    /// intervened nodes are 0; correlations with a constant column are 0.
    public init(_ d: SCMDataset, regimes: Range<Int>? = nil) {
        let n = d.nodeCount
        nodeCount = n
        mean = [Float](repeating: 0, count: n * n)
        std = mean
        intervened = [Float](repeating: 0, count: n)
        let use = regimes ?? 0..<d.regimeCount
        var rowsOf = [[Int]](repeating: [], count: n)  // interventional rows per target
        for (r, k) in d.regime.enumerated() where use.contains(Int(k)) {
            rowsOf[Int(d.regimeTargets[Int(k)])].append(r)
        }
        for i in 0..<n where !rowsOf[i].isEmpty {
            let s = ColumnStats(d.interventional, nodes: n, rows: rowsOf[i])
            intervened[i] = 1
            for j in 0..<n {
                mean[i * n + j] = s.mean[j]
                std[i * n + j] = s.std[j]
            }
        }
        correlation = RegimeContext.correlation(d.observational, nodes: n)
    }

    /// Pearson correlation matrix of the rows of `data` [S, N], accumulated in Double.
    static func correlation(_ data: [Float], nodes n: Int) -> [Float] {
        let s = n == 0 ? 0 : data.count / n
        var centred = [Double](repeating: 0, count: s * n)  // [S, N]
        var norm = [Double](repeating: 0, count: n)
        for c in 0..<n {
            var m = 0.0
            for r in 0..<s { m += Double(data[r * n + c]) }
            m /= Double(max(s, 1))
            for r in 0..<s {
                let e = Double(data[r * n + c]) - m
                centred[r * n + c] = e
                norm[c] += e * e
            }
        }
        var out = [Float](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in i..<n {
                var dot = 0.0
                for r in 0..<s { dot += centred[r * n + i] * centred[r * n + j] }
                let denom = (norm[i] * norm[j]).squareRoot()
                let rho = denom > 1e-12 ? Float(dot / denom) : 0
                out[i * n + j] = rho
                out[j * n + i] = rho
            }
        }
        return out
    }
}
