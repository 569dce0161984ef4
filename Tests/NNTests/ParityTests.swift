import Foundation
import HDF5Kit
import Randomness
import TestSupport
import XCTest
@testable import NN

/// Parity with PyTorch on the committed fixtures (reference/FIXTURES.md). Fixture outputs are
/// float64 results of the float32 inputs, rounded once; our float32 arithmetic (different
/// summation orders, fused kernels) differs by its own rounding, ~1e-6 of each tensor's
/// scale. Tolerance: max |ours − torch| ≤ 1e-5 · max |torch| per tensor (NOTEARS at N = 200,
/// where h ≈ 4e25 goes through 8 squarings, 1e-4).
final class ParityTests: XCTestCase {
    static let tolerance = 1e-5

    func fixture(_ name: String) throws -> Fixture { try Fixture.open(name, bundle: .module) }

    func assertClose(_ got: [Float]?, _ f: Fixture, _ path: String, tolerance: Double = tolerance,
                     file: StaticString = #filePath, line: UInt = #line) throws {
        TestSupport.assertClose(got, try f.doubles(path), rtol: tolerance, path, file: file, line: line)
    }

    /// Loads /params into the module, runs forward, backpropagates grad_output and compares
    /// the output and every parameter and input gradient.
    func checkModule(_ g: Fixture, _ module: Module, inputs: [String], _ forward: ([String: Tensor]) -> Tensor) throws {
        let params = module.namedParameters()
        var stored: [String: NamedArray] = [:]
        for key in try g.root.openGroup("params").childNames() {
            let (data, shape) = try g.array("params/\(key)")
            stored[key] = NamedArray(shape: shape, values: data)
        }
        try Checkpoint.strictCopy(stored, into: params, what: "fixture parameters")
        var xs: [String: Tensor] = [:]
        for name in inputs { xs[name] = try g.tensor("inputs/\(name)"); xs[name]!.requiresGrad = true }
        let y = forward(xs)
        try assertClose(y.scalars, g, "outputs/y")
        y.backward(seed: try g.array("inputs/grad_output").data)
        for (key, p) in params { try assertClose(p.gradScalars, g, "grads/params/\(key)") }
        for name in inputs { try assertClose(xs[name]!.gradScalars, g, "grads/inputs/\(name)") }
    }

    func keyMask(_ g: Fixture) throws -> [Float] {
        try g.array("inputs/key_padding_mask").data.map { 1 - $0 }  // file: 1 = padded
    }

    func testLinearMatchesPyTorchOutputsAndGradients() throws {
        var rng = Xoshiro256(seed: 1)
        let g = try fixture("linear")
        let l = Linear(7, 3, rng: &rng)
        try checkModule(g, l, inputs: ["x"]) { l($0["x"]!) }
    }

    func testLayerNormMatchesPyTorchOutputsAndGradients() throws {
        let g = try fixture("layernorm")
        let ln = LayerNorm(8)
        try checkModule(g, ln, inputs: ["x"]) { ln($0["x"]!) }
    }

    func testGeluMatchesPyTorchElementwiseIncludingTheTails() throws {
        let g = try fixture("gelu")
        let x = try g.tensor("inputs/x")
        x.requiresGrad = true
        let y = x.gelu()
        y.backward(seed: try g.array("inputs/grad_output").data)
        // Element by element, relative to each value. PyTorch's float64 GELU is
        // 0.5·x·(1 + erf(x/√2)), which cancels for x < −5: its own error is ~1e-16·|x|
        // absolute there, so that much is allowed on top (our erfc form keeps relative
        // accuracy in the tail; KernelReferenceTests checks it against libm's erfc). The
        // derivative Φ(x) + x·φ(x) crosses zero at x ≈ −0.75 by cancellation of O(0.3) terms,
        // so its float32 value has ~1e-7·|grad_output| absolute error there.
        let go = try g.doubles("inputs/grad_output")
        for (path, got) in [("outputs/y", y.scalars), ("grads/inputs/x", x.gradScalars!)] {
            let want = try g.doubles(path)
            for i in want.indices {
                let err = Swift.abs(Double(got[i]) - want[i])
                let floor = path == "outputs/y" ? 1e-15 * Double(Swift.abs(x.data[i])) : 1e-7 * Swift.abs(go[i])
                XCTAssertLessThanOrEqual(err, Self.tolerance * Swift.abs(want[i]) + floor,
                                         "\(path)[\(i)] at x = \(x.data[i]): \(got[i]) vs \(want[i])")
            }
        }
    }

    func testMultiheadAttentionWithBiasAndPaddingMatchesPyTorch() throws {
        var rng = Xoshiro256(seed: 1)
        let g = try fixture("mha")
        let mha = MultiheadAttention(8, heads: 2, rng: &rng)
        let mask = try keyMask(g)
        try checkModule(g, mha, inputs: ["x", "attn_bias"]) {
            mha($0["x"]!, bias: $0["attn_bias"]!, keyMask: mask, .evaluation())
        }
    }

    func testEncoderLayerWithReluAndGeluMatchesPyTorch() throws {
        for act in [Activation.relu, .gelu] {
            var rng = Xoshiro256(seed: 1)
            let g = try fixture("encoder_layer_\(act.rawValue)")
            let layer = TransformerEncoderLayer(dModel: 8, heads: 2, dimFeedforward: 16, activation: act, rng: &rng)
            let mask = try keyMask(g)
            try checkModule(g, layer, inputs: ["x"]) { layer($0["x"]!, keyMask: mask, .evaluation()) }
        }
    }

    func testNotearsValueAndGradientMatchPyTorchUpTo200Nodes() throws {
        let g = try fixture("notears")
        for n in [5, 50, 200] {
            let a = try g.tensor("inputs/A_\(n)")
            a.requiresGrad = true
            let h = notearsH(a)
            let tol = n == 200 ? 1e-4 : Self.tolerance
            try assertClose(h.scalars, g, "outputs/h_\(n)", tolerance: tol)
            h.backward()
            try assertClose(a.gradScalars, g, "grads/inputs/A_\(n)", tolerance: tol)
        }
    }

    func testAdamWParametersAndMomentsMatchPyTorchOverThreeSteps() throws {
        let g = try fixture("adamw")
        let names = ["w0", "w1", "w2"]
        let params = try names.map { ($0, try g.tensor("params/\($0)")) }
        for (_, p) in params { p.requiresGrad = true }
        let opt = AdamW(params, learningRate: 1e-3)
        for step in 1...3 {
            for (name, p) in params {
                p.zeroGrad()
                let grad = try g.array("inputs/grads_step\(step)_\(name)").data
                for i in 0..<p.count { p.grad[i] = grad[i] }
            }
            opt.update()
            guard step != 2 else { continue }
            for (i, (name, p)) in params.enumerated() {
                try assertClose(p.scalars, g, "outputs/params_step\(step)_\(name)")
                let m = Array(UnsafeBufferPointer(start: opt.expAvg[i].pointer, count: p.count))
                let v = Array(UnsafeBufferPointer(start: opt.expAvgSq[i].pointer, count: p.count))
                try assertClose(m, g, "outputs/exp_avg_step\(step)_\(name)")
                try assertClose(v, g, "outputs/exp_avg_sq_step\(step)_\(name)")
            }
        }
    }
}
