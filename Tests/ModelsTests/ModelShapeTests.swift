import Models
import NN
import Randomness
import SCMGen
import XCTest

/// A small padded batch from the mixed stream (node counts 3–6, so most items are padded).
func smallBatch(seed: UInt64 = 1, batch: Int = 4, nodes: ClosedRange<Int> = 3...6, context: Bool = false) -> TrainingBatch {
    var prior = PriorConfig()
    prior.nodesMin = nodes.lowerBound
    prior.nodesMax = nodes.upperBound
    prior.observationalSamples = 20
    prior.samplesPerRegime = 20
    prior.contextRowsPerRegime = 5
    var stream = try! BatchStream(config: prior, seed: seed, batchSize: batch, mode: .mixed, context: context)
    return stream.next()
}

func tinyConfig(_ v: Variant) -> ModelConfig {
    var c = ModelConfig(variant: v)
    c.maxNodes = 8
    c.dModel = 16
    c.heads = 2
    c.layers = 2
    c.dagLayers = 2
    c.feedForward = 32
    return c
}

final class ModelShapeTests: XCTestCase {
    /// The notebook's parameter counts at num_nodes=50, d_model=128 (seed-state-dict-keys.md).
    func testParameterCountsMatchTheNotebook() {
        let expected: [Variant: Int] = [.A: 2_429_057, .B: 2_828_466, .C: 2_429_057, .D: 3_598_593, .E: 2_422_624]
        let entries: [Variant: Int] = [.A: 59, .B: 255, .C: 59, .D: 81, .E: 60]
        for v in Variant.allCases {
            let model = makeModel(ModelConfig(variant: v), seed: 0)
            XCTAssertEqual(model.parameterCount, expected[v], "variant \(v)")
            XCTAssertEqual(model.namedParameters().count, entries[v], "variant \(v)")
        }
    }

    func testStateDictKeysAndShapesOfModelD() {
        let keys = Dictionary(uniqueKeysWithValues: makeModel(ModelConfig(variant: .D), seed: 0).namedParameters().map { ($0.0, $0.1.shape) })
        XCTAssertEqual(keys["dag_backbone.layers.1.self_attn.in_proj_weight"], [384, 128])
        XCTAssertEqual(keys["delta_layers.3.linear1.weight"], [2048, 128])
        XCTAssertEqual(keys["delta_head.weight"], [1, 128])
        XCTAssertEqual(keys["encoder.pos_emb.weight"], [50, 128])
    }

    func testEvaluationForwardOfCDrawsNoSampleAndGivesTheTrainingLogits() {
        let batch = smallBatch()
        let model = makeModel(tinyConfig(.C), seed: 1)
        let input = ModelInput(batch, config: model.config)
        let eval = model(input, ForwardContext.evaluation())
        XCTAssertNil(eval.sampledAdjacency, "only the loss reads the sample; evaluation draws none")
        var noDropout = tinyConfig(.C)
        noDropout.dropout = 0
        let plain = makeModel(noDropout, seed: 1)
        let train = plain(input, ForwardContext(training: true, rng: Xoshiro256(seed: 2)))
        XCTAssertEqual(train.sampledAdjacency?.shape, train.logits.shape)
        XCTAssertEqual(plain(input, ForwardContext.evaluation()).logits.scalars, train.logits.scalars,
                       "without dropout, training and evaluation give the same logits")
    }

    func testForwardShapesOnAPaddedBatch() {
        let batch = smallBatch()
        XCTAssertTrue(batch.nodeMask.contains(0), "the batch should contain padding")
        for v in Variant.allCases {
            let model = makeModel(tinyConfig(v), seed: 1)
            let out = model(ModelInput(batch, config: model.config), ForwardContext(training: true, rng: Xoshiro256(seed: 2)))
            XCTAssertEqual(out.delta.shape, [batch.batchSize, batch.maxNodes], "variant \(v)")
            XCTAssertEqual(out.logits.shape, [batch.batchSize, batch.maxNodes, batch.maxNodes], "variant \(v)")
            XCTAssertEqual(out.sampledAdjacency?.shape, v == .C ? out.logits.shape : nil, "variant \(v)")
            XCTAssertTrue(out.delta.scalars.allSatisfy(\.isFinite) && out.logits.scalars.allSatisfy(\.isFinite))
        }
    }

    /// Std-unit delta heads: the same network's delta is its raw-unit delta times each node's
    /// guarded observational std.
    func testStandardizedDeltaScalesTheHeadByTheNodeStd() {
        let batch = smallBatch()
        for v in Variant.allCases {
            var raw = tinyConfig(v)
            raw.standardizedDelta = false
            var scaled = raw
            scaled.standardizedDelta = true
            let a = makeModel(raw, seed: 4), b = makeModel(scaled, seed: 4)
            let ctx = ForwardContext.evaluation()
            let da = a(ModelInput(batch, config: raw), ctx).delta.scalars
            let db = b(ModelInput(batch, config: scaled), ctx).delta.scalars
            for i in da.indices where batch.nodeMask[i] != 0 {
                let s = max(batch.baseStd[i] + 1e-6, scaled.stdFloor)
                XCTAssertEqual(db[i], da[i] * s, accuracy: 1e-4 * max(1, abs(da[i] * s)), "variant \(v) entry \(i)")
            }
        }
    }

    /// Adding padded nodes to an item changes none of its real nodes' outputs.
    func testPaddingDoesNotChangeRealNodeOutputs() {
        let batch = smallBatch(batch: 3, context: true)
        for (v, pair) in Variant.allCases.flatMap({ v in [(v, false), (v, true)] }) {
            var config = tinyConfig(v)
            config.pairContext = pair
            let model = makeModel(config, seed: 3)
            let ctx = ForwardContext.evaluation()
            let full = model(ModelInput(batch, config: model.config), ctx)
            let n = batch.maxNodes
            for item in 0..<batch.batchSize {
                let alone = TrainingBatch(slice: batch, item: item)
                let m = alone.maxNodes
                XCTAssertEqual(m, batch.nodeCounts[item])
                let out = model(ModelInput(alone, config: model.config), ctx)
                for i in 0..<m {
                    XCTAssertEqual(out.delta.data[i], full.delta.data[item * n + i], accuracy: 1e-4,
                                       "variant \(v) pair context \(pair) item \(item) node \(i)")
                    for j in 0..<m {
                        XCTAssertEqual(out.logits.data[i * m + j], full.logits.data[(item * n + i) * n + j], accuracy: 1e-3,
                                       "variant \(v) pair context \(pair) logit \(i)→\(j)")
                    }
                }
            }
        }
    }
}

extension TrainingBatch {
    /// Item `item` alone, unpadded (N = its node count).
    init(slice b: TrainingBatch, item: Int) {
        let n = b.maxNodes, m = b.nodeCounts[item]
        self.init(batchSize: 1, maxNodes: m)
        func rows(_ a: [Float]) -> [Float] { Array(a[(item * n)..<(item * n + m)]) }
        baseMean = rows(b.baseMean); baseStd = rows(b.baseStd)
        intMean = rows(b.intMean); intStd = rows(b.intStd)
        query = rows(b.query); interventionMask = rows(b.interventionMask)
        delta = rows(b.delta); nodeMask = rows(b.nodeMask)
        target = [b.target[item]]
        nodeCounts = [m]
        func pairs(_ a: [Float]) -> [Float] { (0..<m).flatMap { i in (0..<m).map { j in a[(item * n + i) * n + j] } } }
        adjacency = pairs(b.adjacency)
        (contextMean, contextStd, correlation) = (pairs(b.contextMean), pairs(b.contextStd), pairs(b.correlation))
        contextIntervened = rows(b.contextIntervened)
    }
}
