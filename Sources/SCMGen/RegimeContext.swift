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
    // `PairStatistics` (PairFeatures version 2):
    /// [N, N, 3] row i, column j, slot r: Welch t of j's mean under i's r-th regime (regimes of
    /// i in value order; 0 past the last, and at j = i) against the observational rows.
    public var regimeT: [Float]
    public var regimeCount: [Float]          // [N, 3] rows of i's r-th regime (0: none)
    public var observationalCount: Float     // observational rows
    public var partialCorrelation: [Float]   // [N, N] from the observational precision matrix
    public var spearman: [Float]             // [N, N] rank correlation of the observational rows
    public var distanceCorrelation: [Float]  // [N, N] of the observational rows

    /// Regime slots per target in `regimeT` (the default prior has 3 values per target; a
    /// target with more keeps its 3 lowest values).
    public static let regimeSlots = 3

    /// The context of `d` from the regimes in `regimes` (all when nil). Rows i of never-
    /// intervened nodes are 0; correlations with a constant column are 0. Without
    /// `pairStatistics` the `PairStatistics` fields stay 0 (version-1 pair features never read them).
    /// `rowsPerRegime`: only the first K rows of each regime (a model trained on the mixed
    /// stream saw contexts of `PriorConfig.contextRowsPerRegime` rows per regime).
    public init(_ d: SCMDataset, regimes: Range<Int>? = nil, pairStatistics: Bool = true, rowsPerRegime: Int? = nil) {
        let n = d.nodeCount
        nodeCount = n
        mean = [Float](repeating: 0, count: n * n)
        std = mean
        intervened = [Float](repeating: 0, count: n)
        let use = regimes ?? 0..<d.regimeCount
        var taken = [Int](repeating: 0, count: d.regimeCount)
        var kept: [(row: Int, regime: Int)] = []  // the context's interventional rows
        for (r, k) in d.regime.enumerated() where use.contains(Int(k)) && taken[Int(k)] < (rowsPerRegime ?? .max) {
            taken[Int(k)] += 1
            kept.append((r, Int(k)))
        }
        var rowsOf = [[Int]](repeating: [], count: n)  // interventional rows per target
        for (r, k) in kept { rowsOf[Int(d.regimeTargets[k])].append(r) }
        for i in 0..<n where !rowsOf[i].isEmpty {
            let s = ColumnStats(d.interventional, nodes: n, rows: rowsOf[i])
            intervened[i] = 1
            for j in 0..<n {
                mean[i * n + j] = s.mean[j]
                std[i * n + j] = s.std[j]
            }
        }
        correlation = RegimeContext.correlation(d.observational, nodes: n)

        let slots = RegimeContext.regimeSlots
        regimeT = [Float](repeating: 0, count: n * n * slots)
        regimeCount = [Float](repeating: 0, count: n * slots)
        let zeros = [Float](repeating: 0, count: n * n)
        (partialCorrelation, spearman, distanceCorrelation) = (zeros, zeros, zeros)
        observationalCount = 0
        guard pairStatistics else { return }
        let base = ColumnStats(d.observational, nodes: n)
        let sObs = n == 0 ? 0 : d.observational.count / n
        observationalCount = Float(sObs)
        var rowsOfRegime = [[Int]](repeating: [], count: d.regimeCount)
        for (r, k) in kept { rowsOfRegime[k].append(r) }
        func key(_ v: Float) -> Float { v.isNaN ? .infinity : v }  // unknown values last
        for i in 0..<n where !rowsOf[i].isEmpty {
            let mine = (0..<d.regimeCount).filter { Int(d.regimeTargets[$0]) == i && !rowsOfRegime[$0].isEmpty }
                .sorted { (key(d.regimeValues[$0]), $0) < (key(d.regimeValues[$1]), $1) }
            for (slot, k) in mine.prefix(slots).enumerated() {
                let st = ColumnStats(d.interventional, nodes: n, rows: rowsOfRegime[k])
                let m = rowsOfRegime[k].count
                regimeCount[i * slots + slot] = Float(m)
                for j in 0..<n where j != i {
                    let sj = Double(st.std[j]), bj = Double(base.std[j])
                    let t = PairStatistics.welchT(mean: Double(st.mean[j]), variance: sj * sj, count: m,
                                                  mean: Double(base.mean[j]), variance: bj * bj, count: sObs)
                    regimeT[(i * n + j) * slots + slot] = Float(t)
                }
            }
        }
        partialCorrelation = PairStatistics.partialCorrelation(correlation, nodes: n)
        spearman = PairStatistics.spearman(d.observational, nodes: n)
        distanceCorrelation = PairStatistics.distanceCorrelation(d.observational, nodes: n)
    }

    /// Pearson correlation matrix of the rows of `data` [S, N], accumulated in Double.
    static func correlation(_ data: [Float], nodes n: Int) -> [Float] {
        let s = n == 0 ? 0 : data.count / n
        let stride = PairStatistics.roundUp8(s)
        var centred = [Double](repeating: 0, count: n * stride)  // [N, S] (padded): columns contiguous
        for c in 0..<n {
            var m = 0.0
            for r in 0..<s { m += Double(data[r * n + c]) }
            m /= Double(max(s, 1))
            for r in 0..<s { centred[c * stride + r] = Double(data[r * n + c]) - m }
        }
        let g = PairStatistics.gram(centred, rows: n, stride: stride)  // [N, N] co-moments
        var out = [Float](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0..<n {
                let denom = (g[i * n + i] * g[j * n + j]).squareRoot()
                out[i * n + j] = denom > 1e-12 ? Float(g[i * n + j] / denom) : 0
            }
        }
        return out
    }
}
