/// The items of every global batch that one of K data-parallel ranks trains on: a
/// contiguous block, rank r of K getting items ⌊r·B/K⌋ ..< ⌊(r+1)·B/K⌋ (sizes differ by at
/// most one when K does not divide B), so the ranks' blocks in rank order are the batch.
public struct BatchShard: Equatable, Sendable {
    public let rank: Int, ranks: Int
    public let items: Range<Int>

    public init(rank: Int, of ranks: Int, batchSize: Int) throws {
        guard ranks >= 1, (0..<ranks).contains(rank) else {
            throw StreamError(message: "rank \(rank) of \(ranks) processes does not exist")
        }
        guard batchSize >= ranks else {
            throw StreamError(message: "a batch of \(batchSize) items cannot be split over \(ranks) processes; use --batch of at least \(ranks)")
        }
        (self.rank, self.ranks) = (rank, ranks)
        items = (rank * batchSize / ranks)..<((rank + 1) * batchSize / ranks)
    }
}

/// Where a rank's slice sits in its global batch, with the global batch's node counts: the
/// normalisers the causal loss needs so that the ranks' summed gradients equal the whole
/// batch's (docs/distributed.md, "Loss scaling").
public struct BatchShare: Equatable, Sendable {
    public var firstItem: Int
    public var globalNodeCounts: [Int]  // [B_global]

    public init(firstItem: Int, globalNodeCounts: [Int]) {
        self.firstItem = firstItem
        self.globalNodeCounts = globalNodeCounts
    }

    public var globalBatchSize: Int { globalNodeCounts.count }
    /// Real nodes of the global batch (the Huber term's denominator).
    public var globalRealNodes: Int { globalNodeCounts.reduce(0, +) }
    /// Real (i, j) node pairs of the global batch (the BCE and sparsity terms' denominator).
    public var globalRealPairs: Int { globalNodeCounts.reduce(0) { $0 + $1 * $1 } }
}

extension TrainingBatch {
    /// This batch's share of each loss normaliser of its global batch: a rank that scales each
    /// term of its local (locally averaged) loss by these makes the sum over ranks of its
    /// gradients the global batch's gradient. All 1 for a whole batch.
    public var lossFractions: (items: Double, nodes: Double, pairs: Double) {
        guard let share else { return (1, 1, 1) }
        let nodes = nodeCounts.reduce(0, +), pairs = nodeCounts.reduce(0) { $0 + $1 * $1 }
        return (Double(batchSize) / Double(share.globalBatchSize),
                share.globalRealNodes > 0 ? Double(nodes) / Double(share.globalRealNodes) : 0,
                share.globalRealPairs > 0 ? Double(pairs) / Double(share.globalRealPairs) : 0)
    }

    /// Items `items` of this (whole) batch, padded to their own largest node count: exactly
    /// what a stream partitioned to that shard yields for this batch.
    public func slice(items: Range<Int>) -> TrainingBatch {
        precondition(share == nil && !items.isEmpty && items.clamped(to: 0..<batchSize) == items,
                     "slice(items: \(items)) of a whole batch of \(batchSize) items")
        let n = maxNodes, m = nodeCounts[items].max()!
        var s = TrainingBatch(batchSize: items.count, maxNodes: m)
        func copyRows(_ src: [Float], _ dst: inout [Float]) {  // [B, N] → [b, m]
            for (b, item) in items.enumerated() { for c in 0..<m { dst[b * m + c] = src[item * n + c] } }
        }
        func copyMatrices(_ src: [Float], _ dst: inout [Float]) {  // [B, N, N] → [b, m, m]
            for (b, item) in items.enumerated() {
                for i in 0..<m { for j in 0..<m { dst[(b * m + i) * m + j] = src[(item * n + i) * n + j] } }
            }
        }
        copyRows(baseMean, &s.baseMean)
        copyRows(baseStd, &s.baseStd)
        copyRows(intMean, &s.intMean)
        copyRows(intStd, &s.intStd)
        copyRows(query, &s.query)
        copyRows(interventionMask, &s.interventionMask)
        copyRows(delta, &s.delta)
        copyRows(nodeMask, &s.nodeMask)
        copyRows(contextIntervened, &s.contextIntervened)
        copyMatrices(adjacency, &s.adjacency)
        copyMatrices(contextMean, &s.contextMean)
        copyMatrices(contextStd, &s.contextStd)
        copyMatrices(correlation, &s.correlation)
        copyMatrices(partialCorrelation, &s.partialCorrelation)
        copyMatrices(spearman, &s.spearman)
        copyMatrices(distanceCorrelation, &s.distanceCorrelation)
        let slots = RegimeContext.regimeSlots
        for (b, item) in items.enumerated() {  // [B, N, N, 3] → [b, m, m, 3] and [B, N, 3] → [b, m, 3]
            for i in 0..<m {
                for r in 0..<slots { s.contextCount[(b * m + i) * slots + r] = contextCount[(item * n + i) * slots + r] }
                for j in 0..<m {
                    for r in 0..<slots { s.contextT[((b * m + i) * m + j) * slots + r] = contextT[((item * n + i) * n + j) * slots + r] }
                }
            }
        }
        s.observationalCount = Array(observationalCount[items])
        s.target = Array(target[items])
        s.nodeCounts = Array(nodeCounts[items])
        s.streamState = streamState
        s.share = BatchShare(firstItem: items.lowerBound, globalNodeCounts: nodeCounts)
        return s
    }
}
