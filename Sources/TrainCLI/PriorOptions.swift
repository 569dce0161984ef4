import ArgumentParser
import Foundation
import SCMGen

/// The SCM prior's command-line options (shared by `sample`, `bench stream` and training).
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
    // parsing: .unconditional, so a value starting with a minus sign (-6,-3,3) is a value, not an option.
    @Option(parsing: .unconditional, help: "Comma-separated intervention values (default 5,8,10; negative values parse).", transform: CommaList<Double>.parse)
    var interventionValues: CommaList<Double>?
    @Option(parsing: .unconditional, help: "lo,hi: draw intervention values uniformly from this range (one regime per listed value).", transform: CommaList<Double>.parse)
    var interventionRange: CommaList<Double>?
    @Option(help: "Observational rows per dataset (default 100).")
    var observationalSamples: Int?
    @Option(help: "Rows per intervention regime (default 100).")
    var samplesPerRegime: Int?
    @Option(help: "Comma-separated enabled edge functions (default all: linear,negative-linear,sin,cos,tanh,log,exp,sqrt,quadratic,cubic).", transform: CommaList<EdgeFunction>.parse)
    var edgeFunctions: CommaList<EdgeFunction>?
    @Option(help: "interventional (default; independent noise) or counterfactual (shared noise).")
    var deltaMode: DeltaMode?

    /// The prior these options describe, validated; errors name the option and the fix.
    func config() throws -> PriorConfig {
        var c = PriorConfig()
        try apply(to: &c)
        return c
    }

    /// Sets the options that were given, then validates the result.
    func apply(to c: inout PriorConfig) throws {
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
        if let v = expectedParents { c.expectedParents = v }
        if let v = noiseScale { c.noiseScale = v }
        if let v = interventionFraction { c.interventionFraction = v }
        if let v = interventionValues { c.interventionValues = v.values }
        if let v = interventionRange { c.interventionRange = v.values }
        if let v = observationalSamples { c.observationalSamples = v }
        if let v = samplesPerRegime { c.samplesPerRegime = v }
        if let v = edgeFunctions { c.edgeFunctions = v.values }
        if let v = deltaMode { c.deltaMode = v }
        do { try c.validate() } catch let e as PriorConfigError { throw ValidationError(e.description) }
    }
}
