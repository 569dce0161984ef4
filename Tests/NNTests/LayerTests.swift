import Randomness
import TestSupport
import XCTest
@testable import NN

final class LayerTests: XCTestCase {
    func testEncoderStackUsesPyTorchKeysAndShapes() {
        var rng = Xoshiro256(seed: 1)
        let stack = TransformerEncoder(count: 4, dModel: 128, heads: 4, activation: .gelu, rng: &rng)
        let named = stack.namedParameters(prefix: "transformer.")
        XCTAssertEqual(named.count, 48)
        let shapes = Dictionary(uniqueKeysWithValues: named.map { ($0.0, $0.1.shape) })
        let expected: [(String, [Int])] = [
            ("self_attn.in_proj_weight", [384, 128]), ("self_attn.in_proj_bias", [384]),
            ("self_attn.out_proj.weight", [128, 128]), ("self_attn.out_proj.bias", [128]),
            ("linear1.weight", [2048, 128]), ("linear1.bias", [2048]), ("linear2.weight", [128, 2048]),
            ("linear2.bias", [128]), ("norm1.weight", [128]), ("norm1.bias", [128]), ("norm2.weight", [128]),
            ("norm2.bias", [128]),
        ]
        for i in 0..<4 { for (k, s) in expected { XCTAssertEqual(shapes["transformer.layers.\(i).\(k)"], s, k) } }
        // 4 × 593,024: with the encoder (896 + 6,400) and heads (16,641 + 33,024) this is Model
        // A's 2,429,057 of seed-state-dict-keys.md.
        XCTAssertEqual(stack.parameterCount, 4 * 593_024)
    }

    func testSequentialNumbersItemsLikePyTorch() {
        var rng = Xoshiro256(seed: 1)
        let head = Sequential([.linear(Linear(128, 64, rng: &rng)), .gelu, .linear(Linear(64, 1, rng: &rng))])
        XCTAssertEqual(head.namedParameters(prefix: "delta_experts.3.").map(\.0),
                       ["delta_experts.3.0.weight", "delta_experts.3.0.bias", "delta_experts.3.2.weight", "delta_experts.3.2.bias"])
    }

    func testInitialisationFollowsPyTorchSchemes() {
        var rng = Xoshiro256(seed: 2)
        let l = Linear(64, 512, rng: &rng)
        let bound: Float = 1 / 8
        XCTAssertTrue(l.weight.scalars.allSatisfy { abs($0) <= bound })
        XCTAssertGreaterThan(l.weight.scalars.map(abs).max()!, 0.95 * bound)  // uses the whole range
        let mha = MultiheadAttention(32, heads: 4, rng: &rng)
        let xb = (6 / Float(32 + 96)).squareRoot()
        XCTAssertTrue(mha.inProjWeight.scalars.allSatisfy { abs($0) <= xb })
        XCTAssertGreaterThan(mha.inProjWeight.scalars.map(abs).max()!, 0.95 * xb)
        XCTAssertTrue(mha.inProjBias.scalars.allSatisfy { $0 == 0 })
        XCTAssertTrue(mha.outProj.bias!.scalars.allSatisfy { $0 == 0 })
        let e = Embedding(100, 100, rng: &rng).weight.scalars
        let mean = e.reduce(0, +) / Float(e.count)
        let std = (e.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Float(e.count)).squareRoot()
        XCTAssertEqual(mean, 0, accuracy: 0.03)
        XCTAssertEqual(std, 1, accuracy: 0.03)
        let ln = LayerNorm(16)
        XCTAssertEqual(ln.weight.scalars, [Float](repeating: 1, count: 16))
        XCTAssertEqual(ln.bias.scalars, [Float](repeating: 0, count: 16))
    }

    func testStackInitIsSeededAndClonesLikePyTorch() {
        func build(_ seed: UInt64, identical: Bool) -> TransformerEncoder {
            var rng = Xoshiro256(seed: seed)
            return TransformerEncoder(count: 2, dModel: 8, heads: 2, dimFeedforward: 16, identicalInit: identical, rng: &rng)
        }
        let a = build(5, identical: true), b = build(5, identical: true), c = build(6, identical: true)
        let values = { (m: Module) in m.namedParameters().flatMap { $0.1.scalars } }
        XCTAssertEqual(values(a), values(b))
        XCTAssertNotEqual(values(a), values(c))
        XCTAssertEqual(values(a.layers[0]), values(a.layers[1]))  // deep copies of one layer
        let d = build(5, identical: false)
        XCTAssertNotEqual(values(d.layers[0]), values(d.layers[1]))
    }

    func testEncoderLayerGradientsWithDropoutMatchFiniteDifferences() {
        var rng = Xoshiro256(seed: 3)
        let layer = TransformerEncoderLayer(dModel: 8, heads: 2, dimFeedforward: 16, dropout: 0.2, activation: .gelu, rng: &rng)
        let x = randomTensor([2, 4, 8], seed: 4)
        let bias = randomTensor([2, 4, 4], seed: 5)
        let mask: [Float] = [1, 1, 1, 1, 1, 1, 1, 0]
        let inputs = [x, bias] + layer.parameters
        checkGradients(inputs) {
            layer(x, bias: bias, keyMask: mask, ForwardContext(training: true, rng: Xoshiro256(seed: 9)))
        }
    }

    func testDropoutOnlyInTrainingAndReproducibleFromTheSeed() {
        var rng = Xoshiro256(seed: 3)
        let stack = TransformerEncoder(count: 2, dModel: 16, heads: 2, dimFeedforward: 32, rng: &rng)
        let x = randomTensor([2, 5, 16], seed: 4)
        let e1 = stack(x, .evaluation(seed: 1)).scalars, e2 = stack(x, .evaluation(seed: 2)).scalars
        XCTAssertEqual(e1, e2)
        let t1 = stack(x, ForwardContext(training: true, rng: Xoshiro256(seed: 1))).scalars
        let t1b = stack(x, ForwardContext(training: true, rng: Xoshiro256(seed: 1))).scalars
        let t2 = stack(x, ForwardContext(training: true, rng: Xoshiro256(seed: 2))).scalars
        XCTAssertEqual(t1, t1b)  // bit-identical
        XCTAssertNotEqual(t1, t2)
        XCTAssertNotEqual(t1, e1)
    }

    func testDropoutKeepsTheExpectedFractionAndScales() {
        let x = Tensor(shape: [100_000], scalars: [Float](repeating: 1, count: 100_000))
        let y = x.dropout(0.1, ForwardContext(training: true, rng: Xoshiro256(seed: 8))).scalars
        let kept = y.filter { $0 != 0 }
        XCTAssertEqual(Double(kept.count) / 100_000, 0.9, accuracy: 0.005)
        XCTAssertTrue(kept.allSatisfy { $0 == Float(1) / Float(0.9) })
    }

    func testNoGraphIsRecordedWithoutRecording() {
        var rng = Xoshiro256(seed: 3)
        let l = Linear(4, 3, rng: &rng)
        let x = randomTensor([2, 4], seed: 1)
        let y = Tape.withoutRecording { l(x).gelu() }
        XCTAssertFalse(y.requiresGrad)
        XCTAssertTrue(l(x).requiresGrad)
    }
}
