@testable import Models
import NN
import Randomness
import SCMGen
import XCTest
import Foundation

/// The pair context (`--pair-context`): its features, its parameters, and that the models use it.
final class PairContextTests: XCTestCase {
    /// One 3-node item: node 0 intervened (node 1 moves by 2 stds, node 2 does not), node 1
    /// not intervened, node 2 intervened; the slot of a 4th node is padding.
    private func handMadeBatch() -> TrainingBatch {
        var b = TrainingBatch(batchSize: 1, maxNodes: 4)
        b.nodeCounts = [3]
        b.nodeMask = [1, 1, 1, 0]
        b.baseMean = [0, 1, 2, 0]
        b.baseStd = [1, 2, 0, 0]  // node 2 is constant: its std is floored
        b.contextIntervened = [1, 0, 1, 0]
        b.contextMean = [5, 5, 2, 0,  0, 0, 0, 0,  0, 1, 7, 0,  0, 0, 0, 0]
        b.contextStd = [0, 2, 3, 0,  0, 0, 0, 0,  1, 4, 0, 0,  0, 0, 0, 0]
        b.correlation = [1, 0.5, 0, 0,  0.5, 1, 0, 0,  0, 0, 0, 0,  0, 0, 0, 0]
        return b
    }

    func testFeaturesOfEachOrderedPair() {
        let f = PairFeatures.make(handMadeBatch(), stdFloor: 0.01), k = PairFeatures.count
        func at(_ i: Int, _ j: Int) -> [Float] { Array(f[((i * 4 + j) * k)..<((i * 4 + j + 1) * k)]) }
        let s1 = max(2 + Float(1e-6), 0.01)
        // (0 → 1): node 1 moves (5 − 1)/2 = 2 stds under do(0), its std is unchanged.
        XCTAssertEqual(at(0, 1)[0], asinhf(4 / s1), accuracy: 1e-5)
        XCTAssertEqual(at(0, 1)[1], logf((2 + 1e-6) / s1), accuracy: 1e-5)
        XCTAssertEqual(Array(at(0, 1)[2...]), [0, 0, 1, 0, 0.5, 0], "node 1 is not intervened; correlation 0.5")
        // (1 → 0) mirrors it.
        XCTAssertEqual(at(1, 0)[2], at(0, 1)[0])
        XCTAssertEqual(Array(at(1, 0)[4...]), [0, 1, 0.5, 0])
        // (2 → 2): the diagonal flag; node 2's floored std makes a 5-unit move 500 stds.
        XCTAssertEqual(at(2, 2)[0], asinhf(5 / 0.01), accuracy: 1e-3)
        XCTAssertEqual(at(2, 2)[7], 1)
        XCTAssertEqual(at(0, 2)[1], 5, "node 2's std grows 300-fold under do(0): log ratios are clipped to ±5")
        // Padding is all zero.
        for i in 0..<4 { XCTAssertEqual(at(i, 3), [Float](repeating: 0, count: k)); XCTAssertEqual(at(3, i), at(i, 3)) }
    }

    /// The option only adds `pair_context.*`; the notebook's parameters keep their names,
    /// shapes and initial values, so a model without it is the notebook's model.
    func testTheOptionAddsParametersWithoutChangingTheNotebooksOnes() {
        for v in Variant.allCases {
            var on = tinyConfig(v)
            on.pairContext = true
            let plain = Dictionary(uniqueKeysWithValues: makeModel(tinyConfig(v), seed: 5).namedParameters())
            let withPair = Dictionary(uniqueKeysWithValues: makeModel(on, seed: 5).namedParameters())
            let added = Set(withPair.keys).subtracting(plain.keys)
            XCTAssertEqual(added, Set(["proj", "triangle_left", "triangle_right", "triangle_out", "attention", "edge"]
                .flatMap { ["pair_context.\($0).weight", "pair_context.\($0).bias"] }), "variant \(v)")
            for (key, p) in plain { XCTAssertEqual(withPair[key]?.scalars, p.scalars, "variant \(v) \(key)") }
            XCTAssertEqual(withPair["pair_context.attention.weight"]?.shape, [on.heads, on.pairHidden])
        }
    }

    /// Every variant's outputs depend on the context, and the loss's gradient reaches every
    /// pair-context parameter.
    func testEveryVariantUsesTheContext() {
        let batch = smallBatch(batch: 3, context: true)
        var shuffled = batch
        shuffled.contextMean = batch.contextMean.reversed()
        for v in Variant.allCases {
            var config = tinyConfig(v)
            config.pairContext = true
            let model = makeModel(config, seed: 6)
            let ctx = ForwardContext.evaluation()
            let a = model(ModelInput(batch, config: config), ctx), b = model(ModelInput(shuffled, config: config), ctx)
            XCTAssertNotEqual(a.logits.scalars, b.logits.scalars, "variant \(v): logits ignore the context")
            XCTAssertNotEqual(a.delta.scalars, b.delta.scalars, "variant \(v): delta ignores the context")
            model.zeroGrad()
            let out = model(ModelInput(batch, config: config), ForwardContext(training: true, rng: Xoshiro256(seed: 7)))
            causalLoss(out, batch, config: LossConfig(), acyclicityWeight: 0.1).total.backward()
            for (key, p) in model.namedParameters() where key.hasPrefix("pair_context.") {
                XCTAssertTrue(p.gradScalars?.contains { $0 != 0 } ?? false, "variant \(v): no gradient reaches \(key)")
            }
        }
    }

    /// A config written before `pairFeatures` existed reads version 1 (the 8 features, proj
    /// [P, 8]), so its checkpoint loads and predicts as before; version 2 round-trips.
    func testConfigsWithoutPairFeaturesDecodeToTheOriginalEight() throws {
        let old = #"{"variant": "A", "pairContext": true, "pairHidden": 8}"#
        let c = try JSONDecoder().decode(ModelConfig.self, from: Data(old.utf8))
        XCTAssertEqual(c.pairFeatures, 1)
        let proj = makeModel(c, seed: 1).namedParameters().first { $0.0 == "pair_context.proj.weight" }?.1
        XCTAssertEqual(proj?.shape, [8, 8])
        var v2 = c
        v2.pairFeatures = 2
        XCTAssertEqual(try JSONDecoder().decode(ModelConfig.self, from: JSONEncoder().encode(v2)), v2)
        XCTAssertEqual(makeModel(v2, seed: 1).namedParameters().first { $0.0 == "pair_context.proj.weight" }?.1.shape, [8, 31])
        v2.pairFeatures = 3
        XCTAssertNotNil(v2.validationError())
    }

    /// The mixed stream's items of one SCM share its context, so their features are computed
    /// once and copied: every item's features are still what it alone would get.
    func testItemsSharingAContextGetTheFeaturesTheyWouldGetAlone() {
        var prior = PriorConfig()
        (prior.nodesMin, prior.nodesMax, prior.observationalSamples, prior.samplesPerRegime) = (3, 6, 20, 20)
        prior.contextRowsPerRegime = 5
        prior.itemsPerSCM = 4
        var stream = try! BatchStream(config: prior, seed: 3, batchSize: 8, mode: .mixed, context: true)
        let batch = stream.next()
        XCTAssertTrue(PairFeatures.sameInputs(batch, 1, 0) && PairFeatures.sameInputs(batch, 3, 2), "one SCM's items share their inputs")
        XCTAssertFalse(PairFeatures.sameInputs(batch, 4, 3), "items of two SCMs do not")
        let (n, w) = (batch.maxNodes, PairFeatures.width(2))
        let all = PairFeatures.make(batch, stdFloor: 0.01, version: 2)
        for item in 0..<batch.batchSize {
            let alone = batch.slice(items: item..<(item + 1))
            let m = alone.maxNodes, own = PairFeatures.make(alone, stdFloor: 0.01, version: 2)
            for i in 0..<m {
                XCTAssertEqual(Array(all[((item * n + i) * n) * w ..< ((item * n + i) * n + m) * w]), Array(own[(i * m * w)..<((i + 1) * m * w)]),
                               "item \(item), row \(i)")
            }
        }
    }

    /// On a stream's batch (contexts of 5 rows per regime), version 2's features are finite,
    /// 0 at padded pairs, and the model reading them gives finite outputs.
    func testVersion2FeaturesOfAStreamBatchAreFiniteAndZeroAtPadding() {
        let batch = smallBatch(batch: 4, context: true)
        XCTAssertTrue(batch.nodeMask.contains(0), "the batch must be padded")
        let n = batch.maxNodes, w = PairFeatures.width(2)
        let f = PairFeatures.make(batch, stdFloor: 0.01, version: 2)
        XCTAssertTrue(f.allSatisfy { $0.isFinite })
        for e in 0..<(batch.batchSize * n * n) {
            let (item, i, j) = (e / (n * n), (e / n) % n, e % n)
            if batch.nodeMask[item * n + i] == 0 || batch.nodeMask[item * n + j] == 0 {
                XCTAssertTrue(f[(e * w)..<((e + 1) * w)].allSatisfy { $0 == 0 })
            }
        }
        XCTAssertTrue(batch.contextT.contains { abs($0) > 1 }, "the stream fills the t-statistics")
        XCTAssertTrue(batch.observationalCount.allSatisfy { $0 == 20 })
        var config = tinyConfig(.A)
        (config.pairContext, config.pairFeatures) = (true, 2)
        let model = makeModel(config, seed: 2)
        let out = model(ModelInput(batch, config: config), ForwardContext.evaluation())
        XCTAssertTrue(out.logits.scalars.allSatisfy { $0.isFinite })
    }
}
