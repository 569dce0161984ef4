import Foundation
import HDF5Kit
import Randomness
import TestSupport
import XCTest
@testable import NN

final class OptimAndCheckpointTests: XCTestCase {
    func testClipGradNormScalesToTheLimitOnlyWhenAbove() {
        let a = Tensor(zeros: [2], requiresGrad: true), b = Tensor(zeros: [1], requiresGrad: true)
        a.grad[0] = 3; a.grad[1] = 0; b.grad[0] = 4  // norm 5
        XCTAssertEqual(clipGradNorm([a, b], maxNorm: 1), 5, accuracy: 1e-6)
        XCTAssertEqual(a.grad[0], 3 / (5 + 1e-6), accuracy: 1e-6)
        XCTAssertEqual(b.grad[0], 4 / (5 + 1e-6), accuracy: 1e-6)
        let norm = clipGradNorm([a, b], maxNorm: 10)
        XCTAssertEqual(norm, 1, accuracy: 1e-5)
        XCTAssertEqual(b.grad[0], 4 / (5 + 1e-6), accuracy: 1e-6)  // unchanged
    }

    /// A parameter whose lr scale is 4 takes exactly the steps of an optimizer with 4× the
    /// lr; the others are untouched by the scale.
    func testLearningRateScalesActPerParameter() {
        func run(lr: Float, scales: [Float]?) -> [[Float]] {
            let p = [Tensor(shape: [3], scalars: [1, -2, 0.5], requiresGrad: true), Tensor(shape: [2], scalars: [3, 4], requiresGrad: true)]
            let opt = AdamW([("a", p[0]), ("b", p[1])], learningRate: lr)
            if let scales { opt.learningRateScales = scales }
            for step in 1...5 {
                for (k, t) in p.enumerated() { for i in 0..<t.count { t.grad[i] = Float(step * (i + 1 + k)) * 0.1 } }
                opt.update()
            }
            return p.map(\.scalars)
        }
        let scaled = run(lr: 1e-2, scales: [1, 4])
        XCTAssertEqual(scaled[0], run(lr: 1e-2, scales: nil)[0])
        XCTAssertEqual(scaled[1], run(lr: 4e-2, scales: nil)[1])
        XCTAssertNotEqual(scaled[1], run(lr: 1e-2, scales: nil)[1])
    }

    private func model(_ seed: UInt64) -> TransformerEncoder {
        var rng = Xoshiro256(seed: seed)
        return TransformerEncoder(count: 2, dModel: 8, heads: 2, dimFeedforward: 16, rng: &rng)
    }

    func testCheckpointRoundTripRestoresParametersOptimizerAndGenerators() throws {
        let m = model(1)
        let named = m.namedParameters(prefix: "transformer.")
        let opt = AdamW(named, learningRate: 1e-3)
        let x = randomTensor([2, 3, 8], seed: 2)
        m(x, .evaluation()).sum().backward()
        opt.update()
        var gen = Xoshiro256(seed: 77)
        _ = gen.next()
        let path = temporaryPath("ckpt.h5", folder: "nn-tests")
        try Checkpoint(model: "A", config: #"{"d_model": 8}"#, step: 1, parameters: named, optimizer: opt,
                       rng: ["train_stream": gen.state]).write(to: path)

        let read = try Checkpoint.read(path)
        XCTAssertEqual(read.model, "A")
        XCTAssertEqual(read.config, #"{"d_model": 8}"#)
        XCTAssertEqual(read.step, 1)
        XCTAssertEqual(Xoshiro256(state: read.rng["train_stream"]!), gen)
        let m2 = model(9)
        let named2 = m2.namedParameters(prefix: "transformer.")
        try read.loadParameters(into: named2)
        XCTAssertEqual(named2.flatMap { $0.1.scalars }, named.flatMap { $0.1.scalars })
        let opt2 = AdamW(named2, learningRate: 1e-3)
        try read.loadOptimizer(into: opt2)
        XCTAssertEqual(opt2.step, 1)
        XCTAssertEqual(opt2.expAvgSq.map { Array(UnsafeBufferPointer(start: $0.pointer, count: $0.count)) },
                       opt.expAvgSq.map { Array(UnsafeBufferPointer(start: $0.pointer, count: $0.count)) })
        // The file follows file-formats.md §3.
        let root = try H5File.open(path).root
        XCTAssertEqual(try root.stringAttribute("format"), "pfn-checkpoint")
        XCTAssertEqual(try root.attribute("format_version", as: Int64.self), 1)
        XCTAssertEqual(try root.shape(of: "params/transformer.layers.1.self_attn.in_proj_weight"), [24, 8])
    }

    /// With NN_EXPORT_CHECKPOINT=path, writes a 2-layer stack (d 8, 2 heads, FF 16, eval
    /// input/output under /check) for reference/check_nn_checkpoint.py to load into
    /// PyTorch's nn.TransformerEncoder with load_state_dict(strict=True).
    func testExportsACheckpointForPyTorchWhenAsked() throws {
        guard let path = ProcessInfo.processInfo.environment["NN_EXPORT_CHECKPOINT"] else { return }
        let m = model(4)
        let x = randomTensor([2, 5, 8], seed: 5)
        let y = m(x, .evaluation())
        try Checkpoint(model: "stack", config: #"{"d_model": 8, "nhead": 2, "dim_feedforward": 16, "num_layers": 2}"#,
                       parameters: m.namedParameters()).write(to: path)
        let f = try H5File.open(path, writable: true).root
        try f.write("check/x", x.scalars, shape: x.shape)
        try f.write("check/y", y.scalars, shape: y.shape)
    }

    func testStrictLoadNamesEveryMissingUnexpectedAndMisShapedKey() throws {
        let named = model(1).namedParameters(prefix: "transformer.")
        var ckpt = Checkpoint(model: "A", parameters: named)
        ckpt.params["transformer.layers.0.norm1.bias"] = nil
        ckpt.params["transformer.layers.9.extra"] = NamedArray(shape: [1], values: [0])
        ckpt.params["transformer.layers.1.linear1.weight"] = NamedArray(shape: [8, 16], values: [Float](repeating: 0, count: 128))
        let target = model(2).namedParameters(prefix: "transformer.")
        let before = target.flatMap { $0.1.scalars }
        XCTAssertThrowsError(try ckpt.loadParameters(into: target)) { error in
            let msg = "\(error)"
            XCTAssertTrue(msg.contains("missing 1: transformer.layers.0.norm1.bias"), msg)
            XCTAssertTrue(msg.contains("unexpected 1: transformer.layers.9.extra"), msg)
            XCTAssertTrue(msg.contains("transformer.layers.1.linear1.weight (file [8, 16], model [16, 8])"), msg)
        }
        XCTAssertEqual(target.flatMap { $0.1.scalars }, before)  // nothing half-loaded
    }

    func testParamsOnlyFileLoadsForInference() throws {
        // What a PyTorch export writes: format, format_version, model and /params only.
        let named = model(1).namedParameters()
        let path = temporaryPath("torch-export.h5", folder: "nn-tests")
        try H5File.writeAtomically(path) { f in
            let root = try f.root
            try root.setAttribute("format", "pfn-checkpoint")
            try root.setAttribute("format_version", Int64(1))
            try root.setAttribute("model", "A")
            for (k, t) in named { try root.write("params/\(k)", t.scalars, shape: t.shape) }
        }
        let ckpt = try Checkpoint.read(path)
        XCTAssertNil(ckpt.config)
        XCTAssertNil(ckpt.optimizerStep)
        let target = model(3).namedParameters()
        try ckpt.loadParameters(into: target)
        XCTAssertEqual(target.flatMap { $0.1.scalars }, named.flatMap { $0.1.scalars })
        XCTAssertThrowsError(try ckpt.loadOptimizer(into: AdamW(target)))
    }

    func testReadRejectsOtherFiles() throws {
        let path = temporaryPath("other.h5", folder: "nn-tests")
        try H5File.writeAtomically(path) { f in try f.root.setAttribute("format", "pfn-scm-suite") }
        XCTAssertThrowsError(try Checkpoint.read(path)) { XCTAssertTrue("\($0)".contains("not a pfn-train checkpoint")) }
    }
}
