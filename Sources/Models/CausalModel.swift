import NN
import Randomness
import SCMGen

/// What every variant reads: the node features and the batch's padding.
public struct ModelInput {
    public let batchSize: Int, maxNodes: Int
    public let features: Tensor        // [B, N, 6] NodeFeatures
    public let keyMask: [Float]?       // [B·N] 1 = real node; nil when no node is padded
    public let target: [Int]           // [B] intervened node (E's hyper-network input)
    /// [B, N] per-node output scale of the delta heads (nil: raw units, as the notebook).
    public let deltaScale: Tensor?
    /// [B, N] the plug-in delta, regime mean − query row, 0 on padding (nil unless `config.plugInDelta`).
    public let plugIn: Tensor?
    /// `config.deltaCorrectionBound`: the head's output passes through c·tanh(x/c).
    let correctionBound: Float?
    /// [B, N, N, F] `PairFeatures` of `config.pairFeatures` (models with `pairContext` only).
    public let pairFeatures: Tensor?
    /// [B·N·N] 1 where both nodes are real, and the same divided by the item's real node count
    /// (models with `pairContext` only).
    let pairMask: [Float]?, scaledPairMask: [Float]?
    /// Each item's real node count when its real nodes are its first ones (as batches lay them
    /// out; nil otherwise, and the pair context then takes the padded layout).
    let pairNodeCounts: [Int]?
    /// How the pair context lays out its pairs: `.packed` (default) runs its per-pair network
    /// on the real pairs only; `.padded` on the whole grid, as the PyTorch reference.
    public var pairLayout = PairLayout.packed

    /// `parallel` false: everything on the calling thread (the data producer's), none on the
    /// compute threads' worker pool.
    public init(_ batch: TrainingBatch, config: ModelConfig, parallel: Bool = true) {
        batchSize = batch.batchSize
        maxNodes = batch.maxNodes
        features = Tensor(shape: [batch.batchSize, batch.maxNodes, NodeFeatures.count],
                          scalars: NodeFeatures.make(batch, stdFloor: config.stdFloor, featureClip: config.featureClip))
        keyMask = batch.nodeMask.contains(0) ? batch.nodeMask : nil
        target = batch.target.map { Int($0) }
        deltaScale = config.standardizedDelta
            ? Tensor(shape: [batch.batchSize, batch.maxNodes],
                     scalars: batch.baseStd.map { max($0 + 1e-6, config.stdFloor) })
            : nil
        plugIn = config.plugInDelta
            ? Tensor(shape: [batch.batchSize, batch.maxNodes],
                     scalars: batch.intMean.indices.map { (batch.intMean[$0] - batch.query[$0]) * batch.nodeMask[$0] })
            : nil
        correctionBound = config.plugInDelta ? config.deltaCorrectionBound : nil
        let (b, n) = (batch.batchSize, batch.maxNodes)
        if config.pairContext {
            let f = PairFeatures.width(config.pairFeatures)
            let features = Tensor(shape: [b, n, n, f], storage: Storage(uninitializedCount: b * n * n * f))  // [B, N, N, F], all written
            PairFeatures.make(batch, stdFloor: config.stdFloor, version: config.pairFeatures, into: features.data, parallel: parallel)
            pairFeatures = features
            let m = batch.nodeMask
            var mask = [Float](repeating: 0, count: b * n * n), scaled = mask  // [B, N, N] each
            for item in 0..<b {
                let count = Float(max(batch.nodeCounts[item], 1))
                for i in 0..<n {
                    let row = (item * n + i) * n, mi = m[item * n + i]
                    for j in 0..<n {
                        mask[row + j] = mi * m[item * n + j]
                        scaled[row + j] = mask[row + j] / count
                    }
                }
            }
            (pairMask, scaledPairMask) = (mask, scaled)
            let prefixes = (0..<b).allSatisfy { item in (0..<n).allSatisfy { m[item * n + $0] == (($0 < batch.nodeCounts[item]) ? 1 : 0) } }
            pairNodeCounts = prefixes ? batch.nodeCounts : nil
        } else {
            (pairFeatures, pairMask, scaledPairMask, pairNodeCounts) = (nil, nil, nil, nil)
        }
    }

    /// A delta head's output [B, N] in data units, added to the plug-in delta when the model has
    /// it (bounded first when the config says so).
    func delta(_ head: Tensor) -> Tensor {
        let bounded = correctionBound.map { head.softClip($0) } ?? head
        let scaled = deltaScale.map { bounded * $0 } ?? bounded
        return plugIn.map { scaled + $0 } ?? scaled
    }
}

public struct ModelOutput {
    public let delta: Tensor             // [B, N]
    public let logits: Tensor            // [B, N, N] edge logits, row = parent, column = child
    /// C in training only: the hard (straight-through) Gumbel-sigmoid adjacency sample.
    public let sampledAdjacency: Tensor? // [B, N, N]

    public init(delta: Tensor, logits: Tensor, sampledAdjacency: Tensor?) {
        self.delta = delta
        self.logits = logits
        self.sampledAdjacency = sampledAdjacency
    }
}

/// One of the five variants. Parameters are listed under the notebook's `state_dict` keys.
public protocol CausalModel: Module {
    var config: ModelConfig { get }
    func callAsFunction(_ input: ModelInput, _ ctx: ForwardContext) -> ModelOutput
}

/// Builds variant `config.variant` with PyTorch's initialisation schemes from `seed`.
public func makeModel(_ config: ModelConfig, seed: UInt64) -> CausalModel {
    var rng = Xoshiro256(seed: seed, stream: RandomStream.initialisation)
    switch config.variant {
    case .A: return BaselineModel(config, rng: &rng)
    case .B: return ExpertsModel(config, rng: &rng)
    case .C: return GumbelModel(config, rng: &rng)
    case .D: return MaskedModel(config, rng: &rng)
    case .E: return HyperNetModel(config, rng: &rng)
    }
}

/// The bilinear DAG head shared by all variants: logits = dag_parent(x) · dag_child(x)ᵀ.
final class DAGHead: Module {
    let parent: Linear  // dag_parent [D, D]
    let child: Linear   // dag_child [D, D]

    init(_ d: Int, rng: inout Xoshiro256) {
        parent = Linear(d, d, rng: &rng)
        child = Linear(d, d, rng: &rng)
    }

    /// x [B, N, D] → logits [B, N, N].
    func callAsFunction(_ x: Tensor) -> Tensor { matmul(parent(x), child(x), transposeB: true) }

    func namedParameters(prefix: String) -> [(String, Tensor)] {
        parent.namedParameters(prefix: prefix + "dag_parent.") + child.namedParameters(prefix: prefix + "dag_child.")
    }
}

/// The trunk of A, B, C (through A) and E: node encoder → transformer stack, its attention
/// biased by the pair context → bilinear DAG head plus the pair context's edge term. Each
/// variant adds its delta head on the tokens.
protocol SharedTrunk: CausalModel {
    var encoder: NodeEncoder { get }
    var backbone: TransformerEncoder { get }
    var dag: DAGHead { get }
    var pair: PairContext? { get }
}

extension SharedTrunk {
    /// → tokens x [B, N, D] and edge logits [B, N, N].
    func trunk(_ input: ModelInput, _ ctx: ForwardContext) -> (x: Tensor, logits: Tensor) {
        let context = pairTerms(pair, input)                                            // [B, H, N, N], [B, N, N]
        let x = backbone(encoder(input), bias: context.bias, keyMask: input.keyMask, ctx)  // [B, N, D]
        return (x, withEdgeTerm(dag(x), context.edge))
    }
}

/// The pair context's attention bias [B, H, N, N] and edge term [B, N, N], when the model has one.
func pairTerms(_ pair: PairContext?, _ input: ModelInput) -> (bias: Tensor?, edge: Tensor?) {
    guard let pair, let f = input.pairFeatures, let mask = input.pairMask, let scaled = input.scaledPairMask else {
        return (nil, nil)
    }
    let t = pair(f, mask: mask, scaledMask: scaled, nodeCounts: input.pairLayout == .packed ? input.pairNodeCounts : nil)
    return (t.bias, t.edge)
}

/// DAG logits plus the pair context's edge term, if any.
func withEdgeTerm(_ logits: Tensor, _ edge: Tensor?) -> Tensor { edge.map { logits + $0 } ?? logits }

/// A stack of `count` encoder layers with the variant's activation. `identicalInit`: every
/// layer starts as a copy of the first, as `nn.TransformerEncoder` deep-copies its layer;
/// false draws each independently, as an `nn.ModuleList` of fresh layers (D's stage 2).
func encoderStack(_ config: ModelConfig, count: Int, identicalInit: Bool = true, rng: inout Xoshiro256) -> TransformerEncoder {
    TransformerEncoder(count: count, dModel: config.dModel, heads: config.heads,
                       dimFeedforward: config.feedForward, dropout: config.dropout,
                       activation: config.activation, identicalInit: identicalInit, rng: &rng)
}
