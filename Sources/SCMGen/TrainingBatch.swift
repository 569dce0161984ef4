/// One padded training/evaluation batch (docs/design.md). B items, N = the largest node
/// count in the batch; padded node slots hold 0 and have nodeMask 0. The per-node summary
/// statistics replace the seed's [B, S, N] sample tensors (`CausalDistributionEncoder` only
/// ever uses their mean and std): Double accumulation, std is PyTorch's unbiased std
/// (divides by S − 1; 0 when S = 1, where torch gives NaN), *without* the encoder's +1e-6.
public struct TrainingBatch: Equatable, Sendable {
    public var batchSize: Int, maxNodes: Int
    public var baseMean: [Float], baseStd: [Float]   // [B, N] stats of the observational rows
    public var intMean: [Float], intStd: [Float]     // [B, N] stats of the regime's rows
    public var query: [Float]                        // [B, N] the query (observational) row
    public var interventionMask: [Float]             // [B, N] one-hot at the target
    public var target: [Int32]                       // [B] intervened node
    public var delta: [Float]                        // [B, N] interventional row − query row
    public var adjacency: [Float]                    // [B, N, N] A[i,j] = 1 iff i → j (0 if unknown)
    public var nodeMask: [Float]                     // [B, N] 1 = real node, 0 = padding
    public var nodeCounts: [Int]                     // [B]
    /// The dataset's `RegimeContext` per item (models with `pairContext` read it).
    public var contextMean: [Float], contextStd: [Float]  // [B, N, N] row i: stats under do(i)
    public var contextIntervened: [Float]                // [B, N] 1 = some regime targets the node
    public var correlation: [Float]                      // [B, N, N] observational correlation
    /// The context's `PairStatistics` (models with `pairFeatures` 2 read them).
    public var contextT: [Float]                 // [B, N, N, 3] RegimeContext.regimeT
    public var contextCount: [Float]             // [B, N, 3] RegimeContext.regimeCount
    public var observationalCount: [Float]       // [B]
    public var partialCorrelation: [Float]       // [B, N, N]
    public var spearman: [Float]                 // [B, N, N]
    public var distanceCorrelation: [Float]      // [B, N, N]
    /// The producing stream's state after this batch (nil for batches not from a stream):
    /// save it with the step that consumed this batch to resume exactly.
    public var streamState: StreamState?
    /// A data-parallel rank's slice: where it sits in the global batch and that batch's node
    /// counts (nil for a whole batch).
    public var share: BatchShare?

    /// An all-zero batch of B items padded to N nodes.
    public init(batchSize b: Int, maxNodes n: Int) {
        batchSize = b
        maxNodes = n
        baseMean = [Float](repeating: 0, count: b * n)
        (baseStd, intMean, intStd, query, interventionMask, delta, nodeMask) =
            (baseMean, baseMean, baseMean, baseMean, baseMean, baseMean, baseMean)
        target = [Int32](repeating: 0, count: b)
        adjacency = [Float](repeating: 0, count: b * n * n)
        (contextMean, contextStd, correlation) = (adjacency, adjacency, adjacency)
        contextIntervened = baseMean
        (partialCorrelation, spearman, distanceCorrelation) = (adjacency, adjacency, adjacency)
        let slots = RegimeContext.regimeSlots
        contextT = [Float](repeating: 0, count: b * n * n * slots)
        contextCount = [Float](repeating: 0, count: b * n * slots)
        observationalCount = [Float](repeating: 0, count: b)
        nodeCounts = [Int](repeating: 0, count: b)
    }
}

/// Column means and unbiased standard deviations of some rows of a row-major [S, N] array.
public struct ColumnStats: Equatable, Sendable {
    public var mean: [Float]  // [N]
    public var std: [Float]   // [N]

    public init(mean: [Float], std: [Float]) {
        self.mean = mean
        self.std = std
    }

    /// Stats of `rows` (all rows when nil) of `data` [S, N]. Two passes in Double: the mean,
    /// then the squared deviations (no catastrophic cancellation at the ±20 clip). Raw
    /// pointers let the column loops vectorise (the stream's largest cost with large contexts);
    /// the sums run in the same order as plain indexing would.
    public init(_ data: [Float], nodes n: Int, rows: [Int]? = nil) {
        let rowList = rows ?? Array(0..<(n == 0 ? 0 : data.count / n))
        var sum = [Double](repeating: 0, count: n)  // [N]
        var sq = [Double](repeating: 0, count: n)   // [N]
        data.withUnsafeBufferPointer { d in
            sum.withUnsafeMutableBufferPointer { sum in
                sq.withUnsafeMutableBufferPointer { sq in
                    for r in rowList {
                        let row = d.baseAddress! + r * n
                        for c in 0..<n { sum[c] += Double(row[c]) }
                    }
                    let count = Double(rowList.count)
                    for c in 0..<n { sum[c] /= max(count, 1) }
                    for r in rowList {
                        let row = d.baseAddress! + r * n
                        for c in 0..<n {
                            let e = Double(row[c]) - sum[c]
                            sq[c] += e * e
                        }
                    }
                }
            }
        }
        let denom = Double(rowList.count - 1)
        mean = sum.map { Float($0) }
        std = sq.map { denom > 0 ? Float(($0 / denom).squareRoot()) : 0 }
    }
}

/// The per-dataset statistics a batch needs: observational stats, each regime's stats and
/// the context of the regimes in `contextRegimes` (all when nil; none when `withContext` is
/// false — the mixed stream without context, whose one-regime datasets have none to give;
/// without its `PairStatistics` when `pairStatistics` is false).
public struct DatasetSummary: Sendable {
    public var base: ColumnStats
    public var regimes: [ColumnStats]  // [K]
    public var context: RegimeContext?

    /// `itemRegimes`: the regimes items are drawn from (all when nil); only their stats are
    /// computed, the others' stay empty (the mixed stream's items all come from regime 0).
    public init(_ d: SCMDataset, contextRegimes: Range<Int>? = nil, withContext: Bool = true, pairStatistics: Bool = true,
                contextRowsPerRegime: Int? = nil, itemRegimes: Range<Int>? = nil) {
        base = ColumnStats(d.observational, nodes: d.nodeCount)
        context = withContext ? RegimeContext(d, regimes: contextRegimes, pairStatistics: pairStatistics,
                                              rowsPerRegime: contextRowsPerRegime) : nil
        let wanted = itemRegimes ?? 0..<d.regimeCount
        var rowsOf = [[Int]](repeating: [], count: d.regimeCount)
        for (r, k) in d.regime.enumerated() where wanted.contains(Int(k)) { rowsOf[Int(k)].append(r) }
        regimes = rowsOf.indices.map {
            wanted.contains($0) ? ColumnStats(d.interventional, nodes: d.nodeCount, rows: rowsOf[$0]) : ColumnStats(mean: [], std: [])
        }
    }
}

/// One training/evaluation item: interventional row `row` (of regime `regime`) of dataset
/// `dataset`, paired with observational row `query`.
public struct BatchItem: Codable, Equatable, Sendable {
    public var dataset: Int, regime: Int, row: Int, query: Int

    public init(dataset: Int, regime: Int, row: Int, query: Int) {
        (self.dataset, self.regime, self.row, self.query) = (dataset, regime, row, query)
    }

    /// Every interventional row of `datasets[index]` in file order, with its stored query row.
    public static func all(of d: SCMDataset, index: Int) -> [BatchItem] {
        (0..<d.interventionalCount).map {
            BatchItem(dataset: index, regime: Int(d.regime[$0]), row: $0, query: Int(d.queryIndex[$0]))
        }
    }
}

extension TrainingBatch {
    /// Assembles a padded batch from item references into `datasets`. Pass `summaries`
    /// (one per dataset) to reuse statistics across batches; otherwise they are computed for
    /// the datasets the items use. Independent of the streams (evaluation uses it on suites).
    public init(items: [BatchItem], datasets: [SCMDataset], summaries: [DatasetSummary]? = nil) {
        let n = items.map { datasets[$0.dataset].nodeCount }.max() ?? 0
        self.init(batchSize: items.count, maxNodes: n)
        var cache: [Int: DatasetSummary] = [:]
        for (b, it) in items.enumerated() {
            let d = datasets[it.dataset]
            let s: DatasetSummary
            if let summaries { s = summaries[it.dataset] } else if let c = cache[it.dataset] { s = c } else {
                s = DatasetSummary(d)
                cache[it.dataset] = s
            }
            fill(b, d, s.base, s.regimes[it.regime], s.context, target: Int(d.regimeTargets[it.regime]), row: it.row, query: it.query)
        }
    }

    /// Writes item `b` (a dataset's row and query row with its stats) into the padded arrays.
    mutating func fill(_ b: Int, _ d: SCMDataset, _ base: ColumnStats, _ reg: ColumnStats, _ ctx: RegimeContext?,
                       target t: Int, row: Int, query q: Int) {
        let nd = d.nodeCount, n = maxNodes, o = b * n
        nodeCounts[b] = nd
        target[b] = Int32(t)
        interventionMask[o + t] = 1
        for c in 0..<nd {
            baseMean[o + c] = base.mean[c]
            baseStd[o + c] = base.std[c]
            intMean[o + c] = reg.mean[c]
            intStd[o + c] = reg.std[c]
            let x = d.observational[q * nd + c]
            query[o + c] = x
            delta[o + c] = d.interventional[row * nd + c] - x
            nodeMask[o + c] = 1
            guard let ctx else { continue }  // no context: its arrays stay 0
            contextIntervened[o + c] = ctx.intervened[c]
            let slots = RegimeContext.regimeSlots
            for r in 0..<slots { contextCount[(o + c) * slots + r] = ctx.regimeCount[c * slots + r] }
            for j in 0..<nd {
                let p = (o + c) * n + j, src = c * nd + j
                (contextMean[p], contextStd[p], correlation[p]) = (ctx.mean[src], ctx.std[src], ctx.correlation[src])
                (partialCorrelation[p], spearman[p], distanceCorrelation[p]) =
                    (ctx.partialCorrelation[src], ctx.spearman[src], ctx.distanceCorrelation[src])
                for r in 0..<slots { contextT[p * slots + r] = ctx.regimeT[src * slots + r] }
            }
        }
        if let ctx { observationalCount[b] = ctx.observationalCount }
        if let a = d.adjacency {
            for i in 0..<nd { for j in 0..<nd where a[i * nd + j] != 0 { adjacency[(b * n + i) * n + j] = 1 } }
        }
    }
}
