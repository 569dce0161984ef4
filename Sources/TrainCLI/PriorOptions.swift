import ArgumentParser
import Foundation
import SCMGen

/// The SCM prior's command-line options (shared by `sample`, `bench-data` and training).
/// Unset options keep the seed notebook's defaults (`PriorConfig()`).
struct PriorOptions: ParsableArguments {
    @Option(help: "Nodes per graph (sets both --nodes-min and --nodes-max).")
    var nodes: Int?
    @Option(help: "Smallest graph (default 20).")
    var nodesMin: Int?
    @Option(help: "Largest graph (default 50).")
    var nodesMax: Int?
    @Option(help: "Probability of each edge along the random topological order (default 0.3).")
    var edgeProb: Double?
    @Option(help: "Expected parents per node; overrides --edge-prob with p = 2e/(N-1).")
    var expectedParents: Double?
    @Option(help: "Std of the Gaussian noise (default 1).")
    var noiseScale: Double?
    @Option(help: "Fraction of nodes intervened on, in (0, 1] (default 0.5).")
    var interventionFraction: Double?
    @Option(help: "Comma-separated intervention values (default 5,8,10).")
    var interventionValues: String?
    @Option(help: "lo,hi: draw intervention values uniformly from this range (one regime per listed value).")
    var interventionRange: String?
    @Option(help: "Observational rows per dataset (default 100).")
    var observationalSamples: Int?
    @Option(help: "Rows per intervention regime (default 100).")
    var samplesPerRegime: Int?
    @Option(help: "With --pair-context: rows per (target, value) the mixed stream simulates for each item's context (default 5).")
    var contextRows: Int?
    @Option(help: "Comma-separated enabled edge functions (default all: linear,negative-linear,sin,cos,tanh,log,exp,sqrt,quadratic,cubic).")
    var edgeFunctions: String?
    @Option(help: "interventional (default; independent noise) or counterfactual (shared noise).")
    var deltaMode: String?

    /// The prior these options describe, validated; errors name the option and the fix.
    func config() throws -> PriorConfig {
        var c = PriorConfig()
        if let n = nodes {
            if nodesMin != nil || nodesMax != nil {
                throw ValidationError("--nodes sets both bounds; do not combine it with --nodes-min/--nodes-max")
            }
            (c.nodesMin, c.nodesMax) = (n, n)
        }
        if let v = nodesMin { c.nodesMin = v }
        if let v = nodesMax { c.nodesMax = v }
        if c.nodesMin > c.nodesMax {
            throw ValidationError("--nodes-min (\(c.nodesMin)) is larger than --nodes-max (\(c.nodesMax)); swap them (defaults: 20 and 50)")
        }
        if let f = interventionFraction, !(f > 0 && f <= 1) {
            throw ValidationError("--intervention-fraction is \(f); it must lie in (0, 1]")
        }
        if let v = edgeProb { c.edgeProb = v }
        c.expectedParents = expectedParents
        if let v = noiseScale { c.noiseScale = v }
        if let v = interventionFraction { c.interventionFraction = v }
        if let s = interventionValues { c.interventionValues = try Self.numbers(s, option: "--intervention-values") }
        if let s = interventionRange { c.interventionRange = try Self.numbers(s, option: "--intervention-range") }
        if let v = observationalSamples { c.observationalSamples = v }
        if let v = samplesPerRegime { c.samplesPerRegime = v }
        if let v = contextRows { c.contextRowsPerRegime = v }
        if let s = edgeFunctions {
            c.edgeFunctions = try s.split(separator: ",").map { part in
                let name = part.trimmingCharacters(in: .whitespaces)
                guard let f = EdgeFunction(name: name) else {
                    throw ValidationError("--edge-functions: unknown function '\(name)'; choose from \(EdgeFunction.allCases.map(\.name).joined(separator: ", "))")
                }
                return f
            }
        }
        if let s = deltaMode {
            guard let m = DeltaMode(rawValue: s) else {
                throw ValidationError("--delta-mode is '\(s)'; use interventional or counterfactual")
            }
            c.deltaMode = m
        }
        do { try c.validate() } catch let e as PriorConfigError { throw ValidationError(e.description) }
        return c
    }

    static func numbers(_ s: String, option: String) throws -> [Double] {
        try s.split(separator: ",").map {
            guard let x = Double($0.trimmingCharacters(in: .whitespaces)) else {
                throw ValidationError("\(option): '\($0)' is not a number (give comma-separated numbers, e.g. 5,8,10)")
            }
            return x
        }
    }
}
