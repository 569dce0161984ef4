@testable import Models
import NN
import Randomness
import TestSupport
import XCTest

/// The pair context's packed layout (`PairLayout.packed`, the models' default): the per-pair
/// network runs fused (`pairNetwork`) on each item's real pairs only, and the result on real
/// pairs is the padded layout's (the layer-by-layer ops the PyTorch parity fixtures pin) up to
/// float32 rounding, values and parameter gradients. Padded pairs come out exactly 0.
final class PackedPairContextTests: XCTestCase {
    /// A batch of mixed node counts in 7 slots: one full item, one of 3 nodes, one of 5.
    private struct Grid {
        var counts = [7, 3, 5]
        let n = 7
        var b: Int { counts.count }
        var real: [Float] { counts.flatMap { c in (0..<7).map { Float($0 < c ? 1 : 0) } } }  // [B·N]
        var mask: [Float] {  // [B·N·N]
            let r = real
            return (0..<(b * n * n)).map { e in r[e / n] * r[(e / (n * n)) * n + e % n] }
        }
        var scaledMask: [Float] { let m = mask; return m.indices.map { m[$0] / Float(counts[$0 / (n * n)]) } }
    }

    private func module(_ config: ModelConfig, seed: UInt64) -> PairContext {
        var rng = Xoshiro256(seed: seed)
        let module = PairContext(config, rng: &rng)
        // Larger than the init's scale so that every term of the output is far from 0.
        for p in module.namedParameters().map(\.1) { for i in 0..<p.count { p.data[i] += Float(rng.nextGaussian()) * 0.3 } }
        return module
    }

    /// P = 32 (the default width, the triangle product's register-blocked kernel), 4 heads.
    func testPackedLayoutEqualsThePaddedLayoutOnRealPairs() {
        let config = ModelConfig(variant: .A)
        let grid = Grid(), (b, n, h) = (Grid().b, Grid().n, config.heads)
        let module = module(config, seed: 5)
        let features = randomTensor([b, n, n, PairFeatures.count], seed: 6, scale: 1.5)
        let mask = grid.mask
        let biasKeep = (0..<(b * h * n * n)).map { e in mask[(e / (h * n * n)) * n * n + e % (n * n)] }  // [B·H·N·N]
        // Upstream gradients on real entries only: padded entries are unspecified in the padded layout.
        let gBias = randomTensor([b, h, n, n], seed: 7) * Tensor(shape: [b, h, n, n], scalars: biasKeep)
        let gEdge = randomTensor([b, n, n], seed: 8) * Tensor(shape: [b, n, n], scalars: mask)

        func run(_ nodeCounts: [Int]?) -> (bias: [Float], edge: [Float], grads: [String: [Float]]) {
            module.zeroGrad()
            let o = module(features, mask: mask, scaledMask: grid.scaledMask, nodeCounts: nodeCounts)
            XCTAssertEqual(o.bias.shape, [b, h, n, n])
            XCTAssertEqual(o.edge.shape, [b, n, n])
            ((o.bias * gBias).sum() + (o.edge * gEdge).sum()).backward()
            let grads = Dictionary(uniqueKeysWithValues: module.namedParameters().map { ($0, $1.gradScalars ?? []) })
            return (o.bias.scalars, o.edge.scalars, grads)
        }
        let padded = run(nil), packed = run(grid.counts)

        assertClose(packed.bias, padded.bias, rtol: 1e-5, keep: biasKeep, "bias on real pairs")
        assertClose(packed.edge, padded.edge, rtol: 1e-5, keep: mask, "edge on real pairs")
        XCTAssertEqual(biasKeep.indices.filter { biasKeep[$0] == 0 }.map { packed.bias[$0] }.max(), 0, "bias at padded pairs")
        XCTAssertEqual(biasKeep.indices.filter { biasKeep[$0] == 0 }.map { packed.bias[$0] }.min(), 0, "bias at padded pairs")
        XCTAssertEqual(mask.indices.filter { mask[$0] == 0 }.map { abs(packed.edge[$0]) }.max(), 0, "edge at padded pairs")
        XCTAssertNotEqual(mask.indices.filter { mask[$0] == 0 }.map { abs(padded.edge[$0]) }.max(), 0,
                          "the padded layout's padded pairs are not 0, so the comparison above is not vacuous")
        XCTAssertEqual(Set(packed.grads.keys), Set(padded.grads.keys))
        for (key, want) in padded.grads {
            XCTAssertGreaterThan(want.map { abs($0) }.max() ?? 0, 0, "\(key): a zero gradient proves nothing")
            assertClose(packed.grads[key], want, rtol: 1e-5, "grad \(key)")
        }
    }

    /// Items in a row with identical features (the mixed stream's items of one SCM share its
    /// context; an evaluation batch's items are rows of one dataset) are computed once: the
    /// outputs are still every item's own, and each copy's upstream gradient still reaches the
    /// parameters (the padded layout runs every item).
    func testIdenticalItemsInARowGiveThePaddedLayoutsValuesAndGradients() {
        let config = ModelConfig(variant: .A)
        var grid = Grid()
        grid.counts = [5, 5, 5, 3, 3, 5]
        let (b, n, h, f) = (grid.b, grid.n, config.heads, PairFeatures.count)
        let module = module(config, seed: 41)
        let distinct = [randomTensor([n, n, f], seed: 42, scale: 1.5).scalars, randomTensor([n, n, f], seed: 43, scale: 1.5).scalars,
                        randomTensor([n, n, f], seed: 44, scale: 1.5).scalars]
        let source = [0, 0, 0, 1, 1, 2]  // item → its features; item 5 has 5 nodes as items 0-2, other values
        var scalars = [Float]()
        for item in 0..<b {  // zero outside the item's real nodes, as ModelInput's
            let c = grid.counts[item]
            scalars += (0..<(n * n * f)).map { e in e / (n * f) < c && (e / f) % n < c ? distinct[source[item]][e] : 0 }
        }
        let features = Tensor(shape: [b, n, n, f], scalars: scalars)
        let mask = grid.mask
        let biasKeep = (0..<(b * h * n * n)).map { e in mask[(e / (h * n * n)) * n * n + e % (n * n)] }
        let gBias = randomTensor([b, h, n, n], seed: 45) * Tensor(shape: [b, h, n, n], scalars: biasKeep)
        let gEdge = randomTensor([b, n, n], seed: 46) * Tensor(shape: [b, n, n], scalars: mask)

        func run(_ nodeCounts: [Int]?) -> (bias: [Float], edge: [Float], grads: [String: [Float]]) {
            module.zeroGrad()
            let o = module(features, mask: mask, scaledMask: grid.scaledMask, nodeCounts: nodeCounts)
            ((o.bias * gBias).sum() + (o.edge * gEdge).sum()).backward()
            return (o.bias.scalars, o.edge.scalars, Dictionary(uniqueKeysWithValues: module.namedParameters().map { ($0, $1.gradScalars ?? []) }))
        }
        let padded = run(nil), packed = run(grid.counts)
        assertClose(packed.bias, padded.bias, rtol: 1e-5, keep: biasKeep, "bias on real pairs")
        assertClose(packed.edge, padded.edge, rtol: 1e-5, keep: mask, "edge on real pairs")
        let block = n * n
        XCTAssertEqual(Array(packed.edge[block..<(2 * block)]), Array(packed.edge[0..<block]), "a copy's output is its source's")
        XCTAssertNotEqual(Array(packed.edge[(5 * block)...]), Array(packed.edge[0..<block]), "equal node counts alone are not a copy")
        for (key, want) in padded.grads { assertClose(packed.grads[key], want, rtol: 1e-5, "grad \(key)") }
    }

    /// Items are taken by whichever thread is free: the output and every parameter gradient are
    /// bit for bit the single thread's, on items of different sizes, every time.
    func testPackedLayoutIsBitIdenticalOnAnyThreadCount() {
        let config = ModelConfig(variant: .A)
        let grid = Grid(), (b, n) = (Grid().b, Grid().n)
        let module = module(config, seed: 31)
        let features = randomTensor([b, n, n, PairFeatures.count], seed: 32, scale: 1.5)
        let gEdge = randomTensor([b, n, n], seed: 33)
        func run(threads: Int) -> [[Float]] {
            Threads.setCount(threads)
            defer { Threads.setCount(1) }
            module.zeroGrad()
            let o = module(features, mask: grid.mask, scaledMask: grid.scaledMask, nodeCounts: grid.counts)
            ((o.bias * o.bias).sum() + (o.edge * gEdge).sum()).backward()
            return [o.bias.scalars, o.edge.scalars] + module.namedParameters().map { $0.1.gradScalars ?? [] }
        }
        let one = run(threads: 1)
        for _ in 0..<3 { XCTAssertEqual(run(threads: 2), one) }
    }

    /// Finite differences of the packed path (the fused network's hand-written backward, which
    /// recomputes each item's forward), as PairContextGradCheckTests for the padded one:
    /// h = 1e-2, 3e-3 · (1 + |g|). P = 6: the triangle product's plain loop.
    func testPackedLayoutGradientsMatchFiniteDifferences() {
        var config = ModelConfig(variant: .A)
        config.heads = 2
        config.pairHidden = 6
        let grid = Grid()
        let module = module(config, seed: 21)
        let features = randomTensor([grid.b, grid.n, grid.n, PairFeatures.count], seed: 22, scale: 1.5)
        let (mask, scaled, counts) = (grid.mask, grid.scaledMask, grid.counts)
        checkGradients(module.namedParameters(), requireGradient: true) {
            let o = module(features, mask: mask, scaledMask: scaled, nodeCounts: counts)
            return [o.bias, o.edge]
        }
    }

    /// A whole model (A, on the parity fixture's padded batch of 6, 4 and 5 nodes): the default
    /// packed layout gives the padded layout's deltas, logits and parameter gradients.
    func testModelWithPackedPairsEqualsModelWithPaddedPairs() throws {
        let f = try PairContextParityTests.fixture("model_A_pair")
        let model = makeModel(PairContextParityTests.pairConfig, seed: 0)
        try SeedParityTests.load(model, from: f)
        let batch = try PairContextParityTests.batch(f)
        let n = batch.maxNodes
        let pairs = (0..<(batch.batchSize * n * n)).map { e in batch.nodeMask[e / n] * batch.nodeMask[(e / (n * n)) * n + e % n] }
        let gDelta = randomTensor([batch.batchSize, n], seed: 3) * Tensor(shape: [batch.batchSize, n], scalars: batch.nodeMask)
        let gLogits = randomTensor([batch.batchSize, n, n], seed: 4) * Tensor(shape: [batch.batchSize, n, n], scalars: pairs)

        func run(_ layout: PairLayout) -> (delta: [Float], logits: [Float], grads: [String: [Float]]) {
            var input = ModelInput(batch, config: model.config)
            XCTAssertEqual(input.pairLayout, .packed, "models pack their pairs by default")
            input.pairLayout = layout
            model.zeroGrad()
            let out = model(input, ForwardContext.evaluation())
            ((out.delta * gDelta).sum() + (out.logits * gLogits).sum()).backward()
            return (out.delta.scalars, out.logits.scalars,
                    Dictionary(uniqueKeysWithValues: model.namedParameters().map { ($0, $1.gradScalars ?? []) }))
        }
        let padded = run(.padded), packed = run(.packed)
        assertClose(packed.delta, padded.delta, rtol: 1e-5, keep: batch.nodeMask, "deltas")
        assertClose(packed.logits, padded.logits, rtol: 1e-5, keep: pairs, "logits")
        for (key, want) in padded.grads where key != "pair_context.attention.bias" {  // that one is rounding around 0
            assertClose(packed.grads[key], want, rtol: 1e-5, "grad \(key)")
        }
    }
}
