import NN

/// The five variants of the seed notebook (sections 4–4.5).
public enum Variant: String, Codable, CaseIterable, Sendable {
    case A, B, C, D, E

    public var summary: String {
        switch self {
        case .A: return "baseline: shared transformer, MLP delta head, bilinear DAG head"
        case .B: return "experts: one small MLP per node index for the delta"
        case .C: return "Gumbel: straight-through Gumbel-sigmoid adjacency sample enters the loss"
        case .D: return "masked: stage-2 attention biased by the stage-1 predicted adjacency"
        case .E: return "hypernet: the target's embedding generates the delta projection"
        }
    }
}

/// Model hyper-parameters. Decoding fills absent fields with the notebook's defaults, so a
/// config written by an older pfn-train or by a PyTorch export still loads.
public struct ModelConfig: Codable, Equatable, Sendable {
    public var variant: Variant
    /// Node-index embedding rows (the notebook's `num_nodes`): the largest graph the model takes.
    public var maxNodes = 50
    public var dModel = 128
    public var heads = 4
    /// Transformer layers (for D: the stage-2 delta layers).
    public var layers = 4
    /// Stage-1 DAG layers of variant D (the notebook hard-codes 2).
    public var dagLayers = 2
    public var feedForward = 2048
    public var dropout: Float = 0.1
    /// Learned node-index embedding (`encoder.pos_emb`). It breaks permutation symmetry; the
    /// notebook has it, so it is on by default for fidelity.
    public var nodeEmbedding = true
    /// Feature guard: ratio features divide by max(std + 1e-6, stdFloor) and are clipped to
    /// ±featureClip. A column clipped at ±20 has std 0 and makes the seed's features ~1e5.
    /// stdFloor 0 and featureClip 0 (no clip; JSON has no ∞) reproduce the notebook exactly.
    public var stdFloor: Float = 0.01
    public var featureClip: Float = 100
    /// E: `int_embedding` width and hyper-network hidden width (notebook: 16, 64).
    public var hyperEmbedding = 16
    public var hyperHidden = 64
    /// D: stage-2 layers attend with the predicted-adjacency bias. The notebook computes the
    /// bias and drops it; false reproduces that (for parity with the notebook only).
    public var structuralBias = true
    /// The delta heads predict in units of each node's observational std (the output is
    /// multiplied by max(std + 1e-6, stdFloor)), so the plug-in answer, a difference of two
    /// standardised features times the std, is linear in the features. false = the notebook's
    /// raw-unit heads.
    public var standardizedDelta = true
    /// Pair context (not in the seed; `PairContext`): every ordered pair of nodes gets features
    /// of all the dataset's regimes and the observational correlations; they bias every
    /// attention layer and add an edge term to the DAG logits. Adds `pair_context.*`
    /// parameters, so it is off in checkpoints that do not say otherwise.
    public var pairContext = false
    /// Hidden width of the pair-feature embedding.
    public var pairHidden = 32
    /// Which `PairFeatures` the pair context reads: 1 = the first 8 (configs written before the
    /// field decode to 1 and predict as before), 2 = those plus node stds, per-regime t-statistics
    /// with sample sizes, partial, rank and distance correlations (31). `pfn-train train` uses
    /// `PairFeatures.latest` (its data stream then computes the statistics); the struct keeps 1 so
    /// code that builds configs by hand is unchanged.
    public var pairFeatures = 1
    /// The delta heads predict a correction to the plug-in delta (the regime's mean minus the
    /// query row, `Baselines.plugInDelta`, Bayes-optimal for a hard intervention with fresh
    /// noise): delta = plug-in + head. A head that must rebuild that difference from its tokens
    /// stayed 15% above the plug-in's MSE after the main job (docs/studies/plug-in-delta.md).
    /// `pfn-train train` turns it on; false (and configs written before the field) = the head
    /// alone, as the notebook.
    public var plugInDelta = false
    /// With `plugInDelta`: the head's correction c·tanh(x/c) instead of x (in units of each node's
    /// std with `standardizedDelta`). Within the prior a trained head corrects the plug-in by at
    /// most ~0.2 std, so a bound of 1 changes nothing there; outside it (Sachs' β2cAMP regime) the
    /// unbounded head corrected one node by 13.7 std, 4× the plug-in's MSE. `pfn-train train` sets
    /// 1; nil (and configs written before the field) = unbounded.
    public var deltaCorrectionBound: Float?

    public init(variant: Variant) { self.variant = variant }

    /// The seed notebook's model exactly, at its sizes: no feature guard, raw-unit delta heads,
    /// D without the structural attention bias (the notebook computes it and never uses it),
    /// no pair context. What a PyTorch export of the notebook loads as.
    public static func notebook(_ variant: Variant) -> ModelConfig {
        var c = ModelConfig(variant: variant)
        c.stdFloor = 0
        c.featureClip = 0
        c.structuralBias = false
        c.standardizedDelta = false
        c.pairContext = false
        return c
    }

    /// GELU for A, B, C; PyTorch's default ReLU for D and E, as the notebook builds them.
    public var activation: Activation { [.D, .E].contains(variant) ? .relu : .gelu }

    enum CodingKeys: String, CodingKey {
        case variant, maxNodes, dModel, heads, layers, dagLayers, feedForward, dropout
        case nodeEmbedding, stdFloor, featureClip, hyperEmbedding, hyperHidden, structuralBias, standardizedDelta
        case pairContext, pairHidden, pairFeatures, plugInDelta, deltaCorrectionBound
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        variant = try c.decode(Variant.self, forKey: .variant)
        maxNodes = try c.decodeIfPresent(Int.self, forKey: .maxNodes) ?? maxNodes
        dModel = try c.decodeIfPresent(Int.self, forKey: .dModel) ?? dModel
        heads = try c.decodeIfPresent(Int.self, forKey: .heads) ?? heads
        layers = try c.decodeIfPresent(Int.self, forKey: .layers) ?? layers
        dagLayers = try c.decodeIfPresent(Int.self, forKey: .dagLayers) ?? dagLayers
        feedForward = try c.decodeIfPresent(Int.self, forKey: .feedForward) ?? feedForward
        dropout = try c.decodeIfPresent(Float.self, forKey: .dropout) ?? dropout
        nodeEmbedding = try c.decodeIfPresent(Bool.self, forKey: .nodeEmbedding) ?? nodeEmbedding
        stdFloor = try c.decodeIfPresent(Float.self, forKey: .stdFloor) ?? stdFloor
        featureClip = try c.decodeIfPresent(Float.self, forKey: .featureClip) ?? featureClip
        hyperEmbedding = try c.decodeIfPresent(Int.self, forKey: .hyperEmbedding) ?? hyperEmbedding
        hyperHidden = try c.decodeIfPresent(Int.self, forKey: .hyperHidden) ?? hyperHidden
        structuralBias = try c.decodeIfPresent(Bool.self, forKey: .structuralBias) ?? structuralBias
        // Absent = a config from before the option existed or a PyTorch export: raw units.
        standardizedDelta = try c.decodeIfPresent(Bool.self, forKey: .standardizedDelta) ?? false
        pairContext = try c.decodeIfPresent(Bool.self, forKey: .pairContext) ?? false
        pairHidden = try c.decodeIfPresent(Int.self, forKey: .pairHidden) ?? pairHidden
        pairFeatures = try c.decodeIfPresent(Int.self, forKey: .pairFeatures) ?? 1
        plugInDelta = try c.decodeIfPresent(Bool.self, forKey: .plugInDelta) ?? false
        deltaCorrectionBound = try c.decodeIfPresent(Float.self, forKey: .deltaCorrectionBound)
    }

    /// A message naming the first invalid field, or nil.
    public func validationError() -> String? {
        if maxNodes < 2 { return "max nodes must be at least 2 (got \(maxNodes))" }
        if dModel < 1 || heads < 1 || dModel % heads != 0 {
            return "model width \(dModel) must be a positive multiple of the head count \(heads)"
        }
        if layers < 1 || dagLayers < 1 { return "layer counts must be at least 1" }
        if feedForward < 1 { return "feed-forward width must be at least 1" }
        if pairHidden < 1 { return "pair-context width must be at least 1 (got \(pairHidden))" }
        if !PairFeatures.versions.contains(pairFeatures) {
            return "pair features version must be 1 or 2 (got \(pairFeatures))"
        }
        if !(0..<1).contains(dropout) { return "dropout must be in [0, 1) (got \(dropout))" }
        if let c = deltaCorrectionBound {
            if !(c.isFinite && c > 0) { return "delta correction bound must be a finite positive number (got \(c))" }
            if !plugInDelta { return "a delta correction bound needs the plug-in delta (the head alone is the delta, not a correction)" }
        }
        return nil
    }
}
