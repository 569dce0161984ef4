import Foundation
import HDF5Kit
import Models
import NN
import SCMGen
import TestSupport
import XCTest

/// Each variant, loaded with the parameters of a PyTorch fixture (reference/make_model_fixtures.py:
/// the notebook's modules, tiny config, eval mode), computes the notebook's outputs, loss and
/// parameter gradients on the fixture batch.
///
/// Tolerance: the reference is float64 rounded once; we compute in float32 through two
/// transformer layers, softmax and a 6×6 matrix exponential, so errors of a few float32 ulps
/// per op accumulate to ~1e-6 relative. We require max|Δ| ≤ 1e-4 · max|reference| per tensor
/// (and 1e-4 relative for scalars): 100× above the noise, far below any real bug.
final class SeedParityTests: XCTestCase {
    static func fixture(_ v: Variant) throws -> Fixture { try Fixture.open("model_\(v.rawValue)", bundle: .module) }

    /// The notebook's exact model: sizes of the fixture, no feature guard, D without the bias.
    static func seedConfig(_ v: Variant) -> ModelConfig {
        var c = ModelConfig.notebook(v)
        c.maxNodes = 6
        c.dModel = 16
        c.heads = 2
        c.layers = 2
        c.dagLayers = 2
        c.feedForward = 32
        return c
    }

    func batch(_ f: Fixture) throws -> TrainingBatch {
        var b = TrainingBatch(batchSize: 3, maxNodes: 6)
        b.baseMean = try f.array("inputs/base_mean").data
        b.baseStd = try f.array("inputs/base_std").data
        b.intMean = try f.array("inputs/int_mean").data
        b.intStd = try f.array("inputs/int_std").data
        b.query = try f.array("inputs/target_row").data
        b.interventionMask = try f.array("inputs/int_mask").data
        b.target = try f.root.read("inputs/int_node_idx", as: Int32.self).data
        b.delta = try f.array("inputs/true_delta").data
        b.adjacency = try f.array("inputs/true_adj").data
        b.nodeMask = [Float](repeating: 1, count: 18)
        b.nodeCounts = [6, 6, 6]
        return b
    }

    static func load(_ model: CausalModel, from f: Fixture) throws {
        let stored = Set(try f.root.openGroup("params").childNames())
        let params = model.namedParameters()
        XCTAssertEqual(Set(params.map(\.0)), stored, "state_dict keys differ from PyTorch's")
        for (key, p) in params {
            let (data, shape) = try f.array("params/\(key)")
            XCTAssertEqual(shape, p.shape, key)
            for i in 0..<p.count { p.data[i] = data[i] }
        }
    }

    func testEveryVariantMatchesTheNotebookOutputsLossAndGradients() throws {
        for v in Variant.allCases {
            let f = try Self.fixture(v)
            let model = makeModel(Self.seedConfig(v), seed: 0)
            try Self.load(model, from: f)
            let b = try batch(f)
            let out = model(ModelInput(b, config: model.config), ForwardContext.evaluation())
            assertClose(out.delta.scalars, try f.array("outputs/deltas").data, rtol: 1e-4, atol: 1e-10, "\(v) deltas")
            assertClose(out.logits.scalars, try f.array("outputs/adj_logits").data, rtol: 1e-4, atol: 1e-10, "\(v) adj_logits")

            // The notebook's loss sees σ(logits) even for C (its sample is discarded).
            let seedOut = ModelOutput(delta: out.delta, logits: out.logits, sampledAdjacency: nil)
            let terms = causalLoss(seedOut, b, config: .seed, acyclicityWeight: LossConfig.seed.acyclicityWeight)
            for (got, name) in [(terms.total.item, "loss"), (terms.deltaHuber, "loss_delta"), (terms.dagBCE, "loss_dag"),
                                (terms.acyclicity, "loss_h"), (terms.sparsity, "loss_l1")] {
                assertClose([got], try f.array("outputs/\(name)").data, rtol: 1e-4, atol: 1e-10, "\(v) \(name)")
            }
            model.zeroGrad()
            terms.total.backward()
            for (key, p) in model.namedParameters() {
                assertClose(p.gradScalars ?? [Float](repeating: 0, count: p.count),
                            try f.array("grads/params/\(key)").data, rtol: 1e-4, atol: 1e-10, "\(v) grad \(key)")
            }
        }
    }
}

/// A checkpoint written by Swift loads into the PyTorch reference model with
/// `load_state_dict(strict=True)` and reproduces the fixture outputs there
/// (reference/check_checkpoint.py). Skipped where Python has no torch (the package itself
/// never needs Python).
final class CheckpointInteropTests: XCTestCase {
    func testSwiftCheckpointsLoadIntoThePyTorchModels() throws {
        try XCTSkipUnless(pythonHasTorch, "python3 with torch and h5py is not installed")

        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("interop-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        for v in Variant.allCases {
            let f = try SeedParityTests.fixture(v)
            let model = makeModel(SeedParityTests.seedConfig(v), seed: 0)
            try SeedParityTests.load(model, from: f)
            let path = dir.appendingPathComponent("\(v.rawValue).h5").path
            try Checkpoint(model: v.rawValue, config: "{\"model\": {\"heads\": 2}}", step: 1,
                           parameters: model.namedParameters()).write(to: path)
            let check = runPython([repositoryRoot.appendingPathComponent("reference/check_checkpoint.py").path, path,
                                   "--fixture", f.path])
            XCTAssertEqual(check.status, 0, "variant \(v): \(check.output)")
        }
    }
}
