import ArgumentParser
import Models
import SCMGen
import Training

/// Model shape options. Unset options keep the notebook's sizes; --max-nodes defaults to the
/// prior's largest graph (at least 50, the notebook's `num_nodes`).
struct ModelOptions: ParsableArguments {
    @Option(help: "Model width d_model (default 128).")
    var dModel: Int?
    @Option(help: "Attention heads (default 4).")
    var heads: Int?
    @Option(help: "Transformer layers (D: stage-2 layers; default 4).")
    var layers: Int?
    @Option(help: "D: stage-1 layers that read the DAG (default 2, the notebook's).")
    var dagLayers: Int?
    @Flag(inversion: .prefixedNo,
          help: "D: stage-2 layers attend with the bias of the predicted DAG (default on; --no-structural-bias drops it, as the notebook's code does).")
    var structuralBias: Bool?
    @Option(help: "Feed-forward width (default 512 with the pair context; 2048, the notebook's, with --no-pair-context).")
    var feedForward: Int?
    @Option(help: "Largest graph the model takes (node-embedding rows; default max(50, --nodes-max)).")
    var maxNodes: Int?
    @Option(help: "Dropout in training (default 0.1).")
    var dropout: Float?
    @Flag(help: "Drop the learned node-index embedding (permutation-equivariant model).")
    var noNodeEmbedding = false
    @Option(help: "Feature guard: floor of the std that ratio features divide by (default 0.01; 0 = the notebook's).")
    var stdFloor: Float?
    @Option(help: "Feature guard: clip of the ratio features (default 100; 0 = no clip, the notebook's).")
    var featureClip: Float?
    @Flag(help: "Delta heads in raw units, as the notebook (default: in units of each node's std).")
    var rawDelta = false
    @Flag(inversion: .prefixedNo,
          help: "Pair context (default on): features of all the dataset's regimes and the observational correlations for every pair of nodes bias attention and add to the edge logits. Not in the notebook; it adds pair_context.* parameters, so --no-pair-context gives the notebook's models.")
    var pairContext: Bool?
    @Option(help: "Pair features the pair context reads: 2 (default: 31 per pair, the 8 of version 1 + node stds, per-regime t-statistics, partial, rank and distance correlations) or 1 (8 per pair, models before 0.3): docs/studies/pair-features.md.")
    var pairFeatures: Int?
    @Option(help: "With the pair context and the mixed stream: rows per (target, value) the stream simulates for each item's context (default 5); with --context-rows-max the smallest.")
    var contextRows: Int?
    @Option(help: "With the pair context and the mixed stream: each item's context gets a log-uniform row count per (target, value) in [--context-rows, this], so the model can read all of a dataset's rows (default 100; 0 = always --context-rows).")
    var contextRowsMax: Int?
    @Flag(inversion: .prefixedNo,
          help: "Delta heads predict a correction to the plug-in delta (regime mean − query row), delta = plug-in + head (default on; --no-plug-in-delta: the head alone, as the notebook).")
    var plugInDelta: Bool?
    @Option(help: "With the plug-in delta: the head's correction passes through c·tanh(x/c), in units of each node's std, so data unlike the prior cannot pull the delta far from the plug-in (default 1; 0 = unbounded).")
    var deltaCorrectionBound: Float?
    @Option(help: "C: Gumbel temperature at the start (default 1).")
    var tauStart: Float?
    @Option(help: "C: Gumbel temperature at the end of annealing (default = --tau-start).")
    var tauEnd: Float?
    @Option(help: "C: steps over which the temperature anneals geometrically from --tau-start to --tau-end (default 0: none).")
    var tauAnneal: Int?

    func validate() throws {
        for (option, v) in [("--tau-start", tauStart), ("--tau-end", tauEnd)] {
            if let v, !(v.isFinite && v > 0) { throw ValidationError("\(option) is \(v); it must be a finite positive number") }
        }
        for (option, v) in [("--std-floor", stdFloor), ("--feature-clip", featureClip)] {
            if let v, !(v.isFinite && v >= 0) { throw ValidationError("\(option) is \(v); it must be a finite number ≥ 0 (0 turns it off)") }
        }
        if let v = deltaCorrectionBound, !(v.isFinite && v >= 0) { throw ValidationError("--delta-correction-bound is \(v); it must be a finite number ≥ 0 (0 = unbounded)") }
        if let v = dropout, !(v >= 0 && v < 1) { throw ValidationError("--dropout is \(v); it must lie in [0, 1)") }
        if let v = contextRowsMax, v < 0 { throw ValidationError("--context-rows-max is \(v); it must be 0 (fixed --context-rows) or at least --context-rows") }
        if let v = tauAnneal, v < 0 { throw ValidationError("--tau-anneal is \(v); it must be 0 or positive") }
    }

    var tauGiven: String? {
        tauStart != nil ? "--tau-start" : tauEnd != nil ? "--tau-end" : tauAnneal != nil ? "--tau-anneal" : nil
    }

    /// Sets the model options that were given (a fresh run starts from the variant's defaults
    /// with --max-nodes from the prior; a resumed one from its checkpoint's config).
    func apply(to c: inout ModelConfig) throws {
        if let v = dModel { c.dModel = v }
        if let v = heads { c.heads = v }
        if let v = layers { c.layers = v }
        if let v = dagLayers { c.dagLayers = v }
        if let v = structuralBias { c.structuralBias = v }
        if let v = feedForward { c.feedForward = v }
        if let v = maxNodes { c.maxNodes = v }
        if let v = dropout { c.dropout = v }
        if noNodeEmbedding { c.nodeEmbedding = false }
        if let v = stdFloor { c.stdFloor = v }
        if let v = featureClip { c.featureClip = v }
        if rawDelta { c.standardizedDelta = false }
        if let v = pairContext { c.pairContext = v }
        // The notebook's models (--no-pair-context) keep the notebook's delta heads unless asked.
        if pairContext == false && plugInDelta == nil { c.plugInDelta = false }
        if let v = pairFeatures { c.pairFeatures = v }
        if let v = plugInDelta { c.plugInDelta = v }
        if let v = deltaCorrectionBound { c.deltaCorrectionBound = v == 0 ? nil : v }
        else if !c.plugInDelta { c.deltaCorrectionBound = nil }  // the default bound goes with the plug-in
        if let v = deltaCorrectionBound, v != 0, !c.plugInDelta {
            throw ValidationError("--delta-correction-bound bounds the head's correction to the plug-in delta, which this model does not have; add --plug-in-delta or drop it")
        }
        if let problem = c.validationError() ?? c.sizeProblem() { throw ValidationError(problem) }
    }

    /// The Gumbel temperature options that were given.
    func apply(to train: inout TrainConfig) throws {
        if let v = tauStart { train.tauStart = v; train.tauEnd = v }
        if let v = tauEnd { train.tauEnd = v }
        if let v = tauAnneal { train.tauAnnealSteps = v }
        if !(train.tauStart.isFinite && train.tauStart > 0 && train.tauEnd.isFinite && train.tauEnd > 0) {
            throw ValidationError("Gumbel temperatures must be finite and positive")
        }
    }

    func apply(to prior: inout PriorConfig) {
        applyContextRows(contextRows, max: contextRowsMax, to: &prior)
    }
}

/// `--context-rows` and `--context-rows-max` (train and bench stream): 0 for the maximum fixes
/// the size; a default maximum below a larger `--context-rows` gives way, a given one is left
/// for `PriorConfig.validate` to refuse.
func applyContextRows(_ rows: Int?, max: Int?, to prior: inout PriorConfig) {
    if let v = rows { prior.contextRowsPerRegime = v }
    if let v = max { prior.contextRowsMax = v == 0 ? nil : v }
    if max == nil, let m = prior.contextRowsMax, m < prior.contextRowsPerRegime { prior.contextRowsMax = nil }
}

/// `--items-per-scm` (train and bench stream): 1 is the stream without the field, so it is stored as nil.
func applyItemsPerSCM(_ k: Int?, to prior: inout PriorConfig) {
    if let k { prior.itemsPerSCM = k == 1 ? nil : k }
}
