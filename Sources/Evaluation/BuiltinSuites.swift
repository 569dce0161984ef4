import SCMGen

/// Held-out suites generated from a fixed evaluation seed on the evaluation random stream
/// (independent of every training stream). In-distribution: the default prior at a fixed N.
/// Out-of-distribution: one edge function only (train without it to hold it out), denser and
/// sparser graphs, other intervention values, counterfactual deltas.
public enum BuiltinSuites {
    public static let seed: UInt64 = 20_261_123
    public static let datasetCount = 20

    public static let names = ["n10", "n20", "n50", "n20-cubic", "n20-dense", "n20-sparse", "n20-values",
                               "n10-counterfactual", "n20-counterfactual"]

    /// The prior of suite `name`, or nil if there is no such suite.
    public static func prior(_ name: String) -> PriorConfig? {
        var c = PriorConfig()
        func nodes(_ n: Int) { c.nodesMin = n; c.nodesMax = n }
        switch name {
        case "n10": nodes(10)
        case "n20": nodes(20)
        case "n50": nodes(50)
        // Every edge cubic: out of distribution for a model trained with
        // `--edge-functions` leaving cubic out (a held-out function type).
        case "n20-cubic":
            nodes(20)
            c.edgeFunctions = [.cubic]
        case "n20-dense": nodes(20); c.edgeProb = 0.5
        case "n20-sparse": nodes(20); c.expectedParents = 1
        case "n20-values": nodes(20); c.interventionValues = [-6, -3, 3]
        // Deltas of the unit itself (shared exogenous noise), for models trained with
        // `--delta-mode counterfactual`.
        case "n10-counterfactual": nodes(10); c.deltaMode = .counterfactual
        case "n20-counterfactual": nodes(20); c.deltaMode = .counterfactual
        default: return nil
        }
        return c
    }

    /// The datasets of suite `name`.
    public static func datasets(_ name: String) throws -> [SCMDataset] {
        guard let prior = prior(name) else {
            throw EvaluationError("unknown suite '\(name)'; built-in suites: \(names.joined(separator: ", ")), or pass a suite file with --data")
        }
        return try SuiteSampler.sample(config: prior, count: datasetCount, seed: seed)
    }
}
