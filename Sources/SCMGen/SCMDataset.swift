import Randomness

/// One dataset of a suite (file-formats.md §1), in memory. Arrays are flat and row-major.
public struct SCMDataset: Equatable, Sendable {
    public var nodeCount: Int                 // N
    public var observational: [Float]         // [S_obs, N]
    public var interventional: [Float]        // [R, N]
    public var regime: [Int32]                // [R] regime (0..<K) of each interventional row
    public var regimeTargets: [Int32]         // [K] intervened node of each regime
    public var regimeValues: [Float]          // [K] its value (NaN = unknown)
    public var queryIndex: [Int32]            // [R] observational row paired with each row
    public var adjacency: [UInt8]?            // [N, N] A[i, j] = 1 iff i → j
    public var edgeTypes: [Int8]?             // [N, N] 0 or an EdgeFunction raw value
    public var counterfactual: Bool
    public var nodeNames: [String]?

    public init(nodeCount: Int, observational: [Float], interventional: [Float], regime: [Int32],
                regimeTargets: [Int32], regimeValues: [Float], queryIndex: [Int32],
                adjacency: [UInt8]? = nil, edgeTypes: [Int8]? = nil, counterfactual: Bool = false,
                nodeNames: [String]? = nil) {
        self.nodeCount = nodeCount
        self.observational = observational
        self.interventional = interventional
        self.regime = regime
        self.regimeTargets = regimeTargets
        self.regimeValues = regimeValues
        self.queryIndex = queryIndex
        self.adjacency = adjacency
        self.edgeTypes = edgeTypes
        self.counterfactual = counterfactual
        self.nodeNames = nodeNames
    }

    public var observationalCount: Int { nodeCount == 0 ? 0 : observational.count / nodeCount }  // S_obs
    public var interventionalCount: Int { regime.count }                                         // R
    public var regimeCount: Int { regimeTargets.count }                                          // K

    /// The interventional rows of regime `k`, in file order.
    public func rows(ofRegime k: Int) -> [Int] {
        regime.indices.filter { Int(regime[$0]) == k }
    }

    /// Delta target of interventional row r: interventional[r] − observational[queryIndex[r]].
    public func delta(row r: Int) -> [Float] {
        let q = Int(queryIndex[r])
        return (0..<nodeCount).map { interventional[r * nodeCount + $0] - observational[q * nodeCount + $0] }
    }
}

extension SCMDataset {
    /// The seed's `generate_pipeline` for one graph of `nodeCount` nodes: a DAG, S_obs
    /// observational rows, then ceil(N · fraction) distinct targets (the seed's
    /// `np.random.choice(nodes, replace=False)`) and for each target and each value
    /// `samplesPerRegime` rows under do(target = value) — regime k = t · values + v. Each
    /// interventional row is paired with a uniformly random observational query row, as
    /// `CausalDataset.__iter__` pairs them (drawn here, once, so a suite stores the pairing).
    /// Counterfactual mode: each interventional row reuses its query row's noise.
    public static func sample(nodeCount n: Int, config: PriorConfig, rng: inout Xoshiro256) -> SCMDataset {
        var gen = RegimeSampler(nodeCount: n, config: config, rng: &rng)
        gen.addEveryValue(of: gen.distinctTargets(rng: &rng), rows: config.samplesPerRegime, rng: &rng)
        return gen.dataset()
    }

    /// A dataset with the observational rows and just one regime, the one a training item
    /// of the seed's stream would come from: target uniform over the N nodes and value
    /// uniform over the values — for a uniformly random regime of the seed's dataset, the
    /// target is a uniformly random node (a uniform member of a uniform random subset).
    /// With `items` > 1, regimes 0..<items are drawn so, one after another, for items that
    /// share the SCM.
    static func sampleOneRegime(nodeCount n: Int, config: PriorConfig, items: Int = 1, rng: inout Xoshiro256) -> SCMDataset {
        var gen = RegimeSampler(nodeCount: n, config: config, rng: &rng)
        for _ in 0..<items {
            let target = rng.nextInt(n)
            let v = rng.nextInt(config.regimesPerTarget)
            gen.addRegime(target: target, value: config.regimeValue(v, rng: &rng), rng: &rng)
        }
        return gen.dataset()
    }

    /// `sampleOneRegime` plus the context a `RegimeContext` needs, at the seed's design:
    /// ceil(N · fraction) distinct targets, each set to each value with
    /// `config.contextRows` rows (regimes 1...), and regime 0 — the item's, with
    /// `samplesPerRegime` rows — on a target drawn uniformly from that set (so still
    /// uniform over the nodes). The context leaves regime 0 out: in a suite the rows of a
    /// target are pooled over its values, and here they are too.
    /// With `items` > 1, regimes 0..<items are item regimes drawn so, one after another, for
    /// items that share the SCM and its context (regimes items...).
    static func sampleWithContext(nodeCount n: Int, config: PriorConfig, items: Int = 1, rng: inout Xoshiro256) -> SCMDataset {
        var gen = RegimeSampler(nodeCount: n, config: config, rng: &rng)
        let targets = gen.distinctTargets(rng: &rng)
        for _ in 0..<items {
            let target = targets[rng.nextInt(targets.count)]
            let v = rng.nextInt(config.regimesPerTarget)
            gen.addRegime(target: target, value: config.regimeValue(v, rng: &rng), rng: &rng)
        }
        gen.addEveryValue(of: targets, rows: config.contextRows(rng: &rng), rng: &rng)
        return gen.dataset()
    }
}

extension PriorConfig {
    /// The value of the v-th regime of a target: the list's v-th value, or a uniform draw
    /// from `interventionRange`.
    func regimeValue(_ v: Int, rng: inout Xoshiro256) -> Float {
        if let r = interventionRange { return Float(r[0] + (r[1] - r[0]) * rng.nextDouble()) }
        return Float(interventionValues[v])
    }
}

/// Builds a dataset regime by regime, keeping the observational noise for counterfactuals.
struct RegimeSampler {
    let scm: StructuralCausalModel
    let config: PriorConfig
    let n: Int, sObs: Int, rowsPerRegime: Int
    var obsNoise: [Float]       // [N][S_obs] column-major exogenous noise
    var observational: [Float]  // [S_obs, N]
    var interventional: [Float] = []
    var regime: [Int32] = [], targets: [Int32] = [], values: [Float] = [], query: [Int32] = []
    private var work: [Float]   // [N][rows] column-major scratch

    init(scm: StructuralCausalModel, config: PriorConfig, rng: inout Xoshiro256) {
        self.scm = scm
        self.config = config
        n = scm.nodeCount
        sObs = config.observationalSamples
        rowsPerRegime = config.samplesPerRegime
        obsNoise = [Float](repeating: 0, count: n * sObs)
        let std = Float(config.noiseScale)
        obsNoise.withUnsafeMutableBufferPointer { rng.fillGaussianFloat($0, std: std) }
        work = obsNoise
        let (sc, nn) = (sObs, n)
        work.withUnsafeMutableBufferPointer { scm.propagate($0.baseAddress!, rows: sc) }
        observational = RegimeSampler.transpose(work, rows: sc, nodes: nn)
    }

    /// A fresh SCM of `nodeCount` nodes from the prior and its observational rows.
    init(nodeCount n: Int, config: PriorConfig, rng: inout Xoshiro256) {
        let scm = StructuralCausalModel.sample(nodeCount: n, edgeProbability: config.edgeProbability(nodes: n),
                                               functions: config.edgeFunctions, rng: &rng)
        self.init(scm: scm, config: config, rng: &rng)
    }

    /// ceil(N · fraction) distinct nodes (the seed's `np.random.choice(nodes, replace=False)`):
    /// a partial Fisher–Yates shuffle.
    func distinctTargets(rng: inout Xoshiro256) -> [Int] {
        var nodes = Array(0..<n)
        let t = config.targetCount(nodes: n)
        for i in 0..<t { nodes.swapAt(i, i + rng.nextInt(n - i)) }
        return Array(nodes[0..<t])
    }

    /// One regime of `rows` rows per (target, value), target by target: the seed's design.
    mutating func addEveryValue(of targets: [Int], rows: Int, rng: inout Xoshiro256) {
        for target in targets {
            for v in 0..<config.regimesPerTarget {
                addRegime(target: target, value: config.regimeValue(v, rng: &rng), rows: rows, rng: &rng)
            }
        }
    }

    mutating func addRegime(target: Int, value: Float, rows: Int? = nil, rng: inout Xoshiro256) {
        let rows = rows ?? rowsPerRegime
        var q = [Int32](repeating: 0, count: rows)
        for r in 0..<rows { q[r] = Int32(rng.nextInt(sObs)) }
        if work.count != n * rows { work = [Float](repeating: 0, count: n * rows) }
        if config.deltaMode == .counterfactual {
            for c in 0..<n {
                for r in 0..<rows { work[c * rows + r] = obsNoise[c * sObs + Int(q[r])] }
            }
        } else {
            let std = Float(config.noiseScale)
            work.withUnsafeMutableBufferPointer { rng.fillGaussianFloat($0, std: std) }
        }
        let scm = self.scm
        work.withUnsafeMutableBufferPointer { scm.propagate($0.baseAddress!, rows: rows, intervention: (target, value)) }
        interventional += RegimeSampler.transpose(work, rows: rows, nodes: n)
        regime += [Int32](repeating: Int32(targets.count), count: rows)
        targets.append(Int32(target))
        values.append(value)
        query += q
    }

    func dataset() -> SCMDataset {
        SCMDataset(nodeCount: n, observational: observational, interventional: interventional, regime: regime,
                   regimeTargets: targets, regimeValues: values, queryIndex: query,
                   adjacency: scm.adjacency, edgeTypes: scm.edgeTypes,
                   counterfactual: config.deltaMode == .counterfactual)
    }

    /// Column-major [N][rows] → row-major [rows, N].
    static func transpose(_ a: [Float], rows: Int, nodes: Int) -> [Float] {
        var out = [Float](repeating: 0, count: rows * nodes)
        for c in 0..<nodes { for r in 0..<rows { out[r * nodes + c] = a[c * rows + r] } }
        return out
    }
}
