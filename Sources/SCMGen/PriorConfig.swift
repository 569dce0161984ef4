import Foundation
import Randomness

/// Every knob of the SCM prior. Defaults are the ones the seed notebook trains with
/// (`CausalDataset` calling `SCMGenerator.generate_pipeline` in `seed-notebook-causal-pfn.md`:
/// nodes 20–50, edge_prob 0.3, noise 1.0, intervention_prob 0.5, values [5, 8, 10], 100
/// observational rows and 100 rows per intervention). Decoding fills absent keys with these
/// defaults, so a partial JSON config is valid.
public struct PriorConfig: Codable, Equatable, Sendable {
    public var nodesMin = 20
    public var nodesMax = 50
    /// Probability of each edge order[i] → order[j], i < j, of the random topological order.
    public var edgeProb = 0.3
    /// Expected parents per node; overrides `edgeProb` with p = min(1, 2·e / (N − 1)) for a
    /// graph of N nodes, so the mean in-degree (edges / N = p·(N − 1)/2) is e at every N.
    public var expectedParents: Double? = nil
    /// Standard deviation of every node's Gaussian exogenous noise.
    public var noiseScale = 1.0
    /// ceil(N · fraction) distinct nodes are intervened on.
    public var interventionFraction = 0.5
    /// Each target is set to each of these values in turn: one regime per (target, value).
    public var interventionValues: [Double] = [5, 8, 10]
    /// [lo, hi]: overrides the list; each target then gets `interventionValues.count`
    /// regimes whose values are drawn uniformly from [lo, hi].
    public var interventionRange: [Double]? = nil
    public var observationalSamples = 100
    public var samplesPerRegime = 100
    /// Rows per (target, value) the mixed stream simulates for a `RegimeContext` (models
    /// with the pair context only; not in the seed). Far fewer than a suite's 100 keeps the
    /// stream fast (at N = 50 a batch with 10 takes ~120 ms on one core, about half a
    /// training step); the context pools each target's rows over its values.
    public var contextRowsPerRegime = 5
    /// When set, each item's context has its own row count per regime, log-uniform over
    /// [contextRowsPerRegime, contextRowsMax], so a model meets both the stream's small
    /// contexts and a real dataset's large ones (a suite has 100 rows per regime) and can read
    /// every row at inference. nil = always `contextRowsPerRegime` (configs before the field).
    public var contextRowsMax: Int? = nil
    /// Items of a mixed-stream batch drawn from each SCM: k consecutive items share one SCM, its
    /// observational rows and context, each with its own regime (target, value, fresh rows).
    /// The stream's producer then simulates and summarises 1/k as many contexts (at N = 50 it
    /// takes half a core). nil (configs before the field) = 1, a fresh SCM for every item.
    public var itemsPerSCM: Int? = nil
    /// Edge functions drawn uniformly from this subset (all ten in the seed).
    public var edgeFunctions: [EdgeFunction] = EdgeFunction.allCases
    public var deltaMode: DeltaMode = .interventional

    public init() {}

    /// Regimes per intervened node.
    public var regimesPerTarget: Int { interventionValues.count }

    /// Number of intervened nodes in a graph of `n` nodes: ceil(n · fraction) as the seed.
    public func targetCount(nodes n: Int) -> Int {
        min(n, Int((Double(n) * interventionFraction).rounded(.up)))
    }

    /// Rows per regime of one item's context: `contextRowsPerRegime`, or with `contextRowsMax`
    /// a log-uniform draw over [contextRowsPerRegime, contextRowsMax] (one number from `rng`;
    /// none without it, so fixed-size streams are unchanged).
    public func contextRows(rng: inout Xoshiro256) -> Int {
        guard let hi = contextRowsMax, hi > contextRowsPerRegime else { return contextRowsPerRegime }
        let lo = Double(contextRowsPerRegime)
        let x = exp(log(lo) + rng.nextDouble() * (log(Double(hi) + 1) - log(lo)))
        return min(hi, max(contextRowsPerRegime, Int(x)))
    }

    /// The edge probability used for a graph of `n` nodes.
    public func edgeProbability(nodes n: Int) -> Double {
        guard let e = expectedParents else { return edgeProb }
        return n > 1 ? min(1, 2 * e / Double(n - 1)) : 0
    }

    /// Throws a `PriorConfigError` naming the first bad setting and how to fix it.
    public func validate() throws {
        func fail(_ m: String) throws -> Never { throw PriorConfigError(message: m) }
        if nodesMin < 1 { try fail("nodesMin is \(nodesMin); it must be at least 1") }
        if nodesMin > nodesMax { try fail("nodesMin (\(nodesMin)) is larger than nodesMax (\(nodesMax)); swap them") }
        if !(edgeProb >= 0 && edgeProb <= 1) { try fail("edgeProb is \(edgeProb); it must lie in [0, 1]") }
        if let e = expectedParents, !(e >= 0 && e.isFinite) {
            try fail("expectedParents is \(e); it must be a finite number ≥ 0")
        }
        if !(noiseScale >= 0 && noiseScale.isFinite) { try fail("noiseScale is \(noiseScale); it must be finite and ≥ 0") }
        if !(interventionFraction > 0 && interventionFraction <= 1) {
            try fail("interventionFraction is \(interventionFraction); it must lie in (0, 1]")
        }
        if interventionValues.isEmpty { try fail("interventionValues is empty; give at least one value") }
        if interventionValues.contains(where: { !$0.isFinite }) { try fail("interventionValues must all be finite") }
        if let r = interventionRange {
            if r.count != 2 || !(r[0] <= r[1]) || !r[0].isFinite || !r[1].isFinite {
                try fail("interventionRange is \(r); give two finite numbers [lo, hi] with lo ≤ hi")
            }
        }
        if observationalSamples < 1 { try fail("observationalSamples is \(observationalSamples); it must be at least 1") }
        if samplesPerRegime < 1 { try fail("samplesPerRegime is \(samplesPerRegime); it must be at least 1") }
        if contextRowsPerRegime < 1 {
            try fail("contextRowsPerRegime is \(contextRowsPerRegime); it must be at least 1")
        }
        if let m = contextRowsMax, m < contextRowsPerRegime {
            try fail("contextRowsMax (\(m)) is below contextRowsPerRegime (\(contextRowsPerRegime)); raise it or drop it")
        }
        if let k = itemsPerSCM, k < 1 { try fail("itemsPerSCM is \(k); it must be at least 1") }
        if edgeFunctions.isEmpty { try fail("edgeFunctions is empty; enable at least one edge function") }
        if Set(edgeFunctions).count != edgeFunctions.count { try fail("edgeFunctions lists a function twice") }
    }

    private enum CodingKeys: String, CodingKey {
        case nodesMin, nodesMax, edgeProb, expectedParents, noiseScale, interventionFraction,
             interventionValues, interventionRange, observationalSamples, samplesPerRegime,
             contextRowsPerRegime, contextRowsMax, itemsPerSCM, edgeFunctions, deltaMode
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = PriorConfig()
        nodesMin = try c.decodeIfPresent(Int.self, forKey: .nodesMin) ?? d.nodesMin
        nodesMax = try c.decodeIfPresent(Int.self, forKey: .nodesMax) ?? d.nodesMax
        edgeProb = try c.decodeIfPresent(Double.self, forKey: .edgeProb) ?? d.edgeProb
        expectedParents = try c.decodeIfPresent(Double.self, forKey: .expectedParents)
        noiseScale = try c.decodeIfPresent(Double.self, forKey: .noiseScale) ?? d.noiseScale
        interventionFraction = try c.decodeIfPresent(Double.self, forKey: .interventionFraction) ?? d.interventionFraction
        interventionValues = try c.decodeIfPresent([Double].self, forKey: .interventionValues) ?? d.interventionValues
        interventionRange = try c.decodeIfPresent([Double].self, forKey: .interventionRange)
        observationalSamples = try c.decodeIfPresent(Int.self, forKey: .observationalSamples) ?? d.observationalSamples
        samplesPerRegime = try c.decodeIfPresent(Int.self, forKey: .samplesPerRegime) ?? d.samplesPerRegime
        contextRowsPerRegime = try c.decodeIfPresent(Int.self, forKey: .contextRowsPerRegime) ?? d.contextRowsPerRegime
        contextRowsMax = try c.decodeIfPresent(Int.self, forKey: .contextRowsMax)
        itemsPerSCM = try c.decodeIfPresent(Int.self, forKey: .itemsPerSCM)
        edgeFunctions = try c.decodeIfPresent([EdgeFunction].self, forKey: .edgeFunctions) ?? d.edgeFunctions
        deltaMode = try c.decodeIfPresent(DeltaMode.self, forKey: .deltaMode) ?? d.deltaMode
    }
}

public struct PriorConfigError: Error, CustomStringConvertible, Equatable {
    public let message: String
    public var description: String { "invalid prior: \(message)" }
}
