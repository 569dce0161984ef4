import Randomness

/// Where a stream is, after some batch: enough to re-create it (with the same config, seed
/// and batch size) and continue bit-identically.
public struct StreamState: Codable, Equatable, Sendable {
    public var mode: StreamMode
    /// Sequential: the generator state *before* the current SCM was sampled (resuming
    /// re-samples it, which is exact and cheap). Mixed: the generator state.
    public var rng: [UInt64]
    /// Sequential: the next interventional row of the current SCM. Mixed: unused (0).
    public var cursor: Int
    /// Batches produced so far.
    public var batches: Int

    public init(mode: StreamMode, rng: [UInt64], cursor: Int, batches: Int) {
        self.mode = mode
        self.rng = rng
        self.cursor = cursor
        self.batches = batches
    }
}

public struct StreamError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

/// An endless stream of `TrainingBatch`es from the prior, on the training random stream
/// (`Xoshiro256(seed:, stream: RandomStream.training)`).
///
/// - `.sequential` is the seed's `CausalDataset.__iter__` order: sample N uniformly in
///   [nodesMin, nodesMax], one SCM and its whole dataset, then yield every interventional row
///   regime by regime, each with its (uniformly random) observational query row; batches
///   run across SCM boundaries and are padded (the seed's default collate fails there).
/// - `.mixed` samples a fresh SCM for every item (B distinct SCMs per batch) with the same
///   per-item marginal as the seed's stream: N is drawn with probability ∝ its number of
///   regimes K(N) = ceil(N·fraction)·values (a larger graph yields more items in the seed),
///   then one regime is sampled — target uniform over the nodes, value uniform over the
///   values — since that is the law of the regime of a uniformly random item. Only the
///   observational rows and that one regime are simulated, which is the cheapest exact way
///   (a shuffle pool or several items per SCM would be cheaper still, but correlate items).
///
/// A stream `partitioned(rank:of:)` for data-parallel training yields only its rank's
/// `BatchShard` of every global batch, bit-identical to that slice of the whole stream's
/// batch: it makes every random draw of the global batch (the generator is sequential) but
/// summarises and assembles only its own items (docs/distributed.md).
public struct BatchStream {
    public let config: PriorConfig
    public let seed: UInt64
    public let batchSize: Int
    public let mode: StreamMode
    /// Mixed: simulate each item's `RegimeContext` regimes too (sequential datasets have them).
    public let context: Bool
    /// With `context`: also compute each context's `PairStatistics` (only models reading
    /// `PairFeatures` version 2 need them; they are most of the context's cost).
    public let pairStatistics: Bool
    /// The items of every global batch this stream yields (all when nil).
    public private(set) var shard: BatchShard?
    private var rng: Xoshiro256
    private var batches = 0
    // Sequential: the current SCM's dataset, its stats, where it started, the next row.
    private var current: SCMDataset?
    private var summary: DatasetSummary?  // computed when an item of the SCM is first yielded
    private var currentStart: [UInt64] = []
    private var cursor = 0
    // Mixed: cumulative weights of node counts nodesMin...nodesMax.
    private let nodeWeights: [Int]

    public init(config: PriorConfig, seed: UInt64, batchSize: Int, mode: StreamMode, context: Bool = false,
                pairStatistics: Bool = true, state: StreamState? = nil) throws {
        try config.validate()
        guard batchSize >= 1 else { throw StreamError(message: "batch size is \(batchSize); it must be at least 1") }
        self.config = config
        self.seed = seed
        self.batchSize = batchSize
        self.mode = mode
        self.context = context
        self.pairStatistics = pairStatistics
        var acc = 0
        nodeWeights = (config.nodesMin...config.nodesMax).map { acc += config.targetCount(nodes: $0); return acc }
        rng = Xoshiro256(seed: seed, stream: RandomStream.training)
        guard let state else { return }
        guard state.mode == mode else {
            throw StreamError(message: "saved stream state is for the \(state.mode.rawValue) stream, not \(mode.rawValue); resume with the same stream mode")
        }
        guard state.rng.count == 4, state.rng.contains(where: { $0 != 0 }), state.cursor >= 0 else {
            throw StreamError(message: "saved stream state is corrupt (rng \(state.rng), cursor \(state.cursor))")
        }
        rng = Xoshiro256(state: state.rng)
        batches = state.batches
        if mode == .sequential {
            loadNextSCM()
            guard state.cursor <= current!.interventionalCount else {
                throw StreamError(message: "saved stream state has cursor \(state.cursor) past the SCM's \(current!.interventionalCount) rows; was it saved with another prior config or seed?")
            }
            cursor = state.cursor
        }
    }

    /// The same stream yielding only rank `rank`'s shard of each batch (of `ranks`). Its
    /// `state` stays the global stream's, so every rank saves and resumes the same one.
    public func partitioned(rank: Int, of ranks: Int) throws -> BatchStream {
        var s = self
        s.shard = try BatchShard(rank: rank, of: ranks, batchSize: batchSize)
        return s
    }

    /// The state after the last batch produced (the initial state before any).
    public var state: StreamState {
        switch mode {
        case .sequential: return StreamState(mode: mode, rng: current == nil ? rng.state : currentStart, cursor: cursor, batches: batches)
        case .mixed: return StreamState(mode: mode, rng: rng.state, cursor: 0, batches: batches)
        }
    }

    public mutating func next() -> TrainingBatch {
        let mine = shard?.items ?? 0..<batchSize
        var group: (dataset: SCMDataset, items: Int, summary: DatasetSummary?)? = nil  // the mixed stream's current SCM
        var parts: [(SCMDataset, ColumnStats, ColumnStats, RegimeContext?, target: Int, row: Int, query: Int)] = []
        parts.reserveCapacity(mine.count)
        var nodeCounts = [Int](repeating: 0, count: batchSize)  // [B] of the global batch
        for item in 0..<batchSize {
            switch mode {
            case .sequential:
                if current == nil || cursor == current!.interventionalCount { loadNextSCM() }
                let d = current!, r = cursor
                nodeCounts[item] = d.nodeCount
                cursor += 1
                guard mine.contains(item) else { continue }
                if summary == nil { summary = DatasetSummary(d, pairStatistics: pairStatistics) }
                let k = Int(d.regime[r])
                parts.append((d, summary!.base, summary!.regimes[k], summary!.context, Int(d.regimeTargets[k]), r,
                              Int(d.queryIndex[r])))
            case .mixed:
                // Items share an SCM in groups of k, each group within the batch (so the stream's
                // state between batches is still its generator alone); k = 1 draws as before.
                let slot = item % itemsPerSCM
                if slot == 0 {
                    let n = drawMixedNodeCount(), k = min(itemsPerSCM, batchSize - item)
                    let d = context ? SCMDataset.sampleWithContext(nodeCount: n, config: config, items: k, rng: &rng)
                        : SCMDataset.sampleOneRegime(nodeCount: n, config: config, items: k, rng: &rng)
                    group = (d, k, nil)
                }
                let d = group!.dataset, k = group!.items
                let r = slot * config.samplesPerRegime + rng.nextInt(config.samplesPerRegime)  // a row of the item's regime
                nodeCounts[item] = d.nodeCount
                guard mine.contains(item) else { continue }
                if group!.summary == nil {  // once per group, for its first item this process keeps
                    group!.summary = DatasetSummary(d, contextRegimes: k..<d.regimeCount, withContext: context,
                                                    pairStatistics: pairStatistics, itemRegimes: 0..<k)
                }
                let s = group!.summary!
                parts.append((d, s.base, s.regimes[slot], s.context, Int(d.regimeTargets[slot]), r, Int(d.queryIndex[r])))
            }
        }
        var batch = TrainingBatch(batchSize: parts.count, maxNodes: parts.map { $0.0.nodeCount }.max()!)
        for (b, p) in parts.enumerated() {
            batch.fill(b, p.0, p.1, p.2, p.3, target: p.target, row: p.row, query: p.query)
        }
        batches += 1
        batch.streamState = state
        if shard != nil { batch.share = BatchShare(firstItem: mine.lowerBound, globalNodeCounts: nodeCounts) }
        return batch
    }

    private mutating func loadNextSCM() {
        currentStart = rng.state
        let n = config.nodesMin + rng.nextInt(config.nodesMax - config.nodesMin + 1)
        let d = SCMDataset.sample(nodeCount: n, config: config, rng: &rng)
        current = d
        summary = nil
        cursor = 0
    }

    /// `PriorConfig.itemsPerSCM` (1 without it).
    var itemsPerSCM: Int { max(1, config.itemsPerSCM ?? 1) }

    private mutating func drawMixedNodeCount() -> Int {
        let u = rng.nextInt(nodeWeights.last!)
        var i = 0
        while nodeWeights[i] <= u { i += 1 }
        return config.nodesMin + i
    }
}
