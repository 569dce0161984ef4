import Foundation
import Randomness
import TestSupport
import XCTest
@testable import NN

/// The process-wide `MatmulPrecision.bfloat16` mode as layers see it.
final class BFloat16ModeTests: XCTestCase {
    override func tearDown() {
        MatmulPrecision.set(.float32)
        Threads.setCount(1)
    }

    private func requireKernel() throws {
        try XCTSkipUnless(MatmulPrecision.bfloat16Supported, "this CPU has no AVX-512 BF16")
    }

    /// Forward output and the input, weight and bias gradients of a Linear layer on x [B, In].
    private func linearPass(_ precision: MatmulPrecision) -> (y: [Float], dx: [Float], dw: [Float], db: [Float]) {
        MatmulPrecision.set(precision)
        defer { MatmulPrecision.set(.float32) }
        var rng = Xoshiro256(seed: 21)
        let layer = Linear(128, 256, rng: &rng)
        let x = randomTensor([48, 128], seed: 22)  // every product ≥ 48·128·256 multiply-adds: bf16 when on
        x.requiresGrad = true
        let y = layer(x)
        y.backward(seed: randomTensor([48, 256], seed: 23).scalars)
        return (y.scalars, x.gradScalars!, layer.weight.gradScalars!, layer.bias!.gradScalars!)
    }

    /// max |a − b| / max |b|.
    private func relative(_ a: [Float], _ b: [Float]) -> Double {
        relativeError(a, b.map(Double.init))
    }

    /// bf16 operands carry 2⁻⁸ relative rounding each; over sums of 48–256 products of random
    /// signs the error relative to the largest output stays well below 1%, and is visible.
    func testLinearForwardAndBackwardAgreeWithFloat32ToOnePercent() throws {
        try requireKernel()
        let f32 = linearPass(.float32), bf16 = linearPass(.bfloat16)
        for (name, got, want) in [("y", bf16.y, f32.y), ("dx", bf16.dx, f32.dx), ("dW", bf16.dw, f32.dw)] {
            let e = relative(got, want)
            XCTAssertLessThan(e, 1e-2, "\(name): relative error \(e)")
            XCTAssertGreaterThan(e, 1e-5, "\(name): no bf16 rounding visible (relative error \(e))")
        }
        XCTAssertEqual(bf16.db, f32.db, "the bias gradient is a column sum, not a product")
    }

    func testFloat32ModeIsTheDefaultAndUnchanged() {
        XCTAssertEqual(MatmulPrecision.current, .float32)
        let a = linearPass(.float32), b = linearPass(.float32)
        XCTAssertEqual(a.y, b.y)
        XCTAssertEqual(a.dw, b.dw)
    }

    /// A training step of a small encoder stack in bf16 mode: bit-identical for a repeated
    /// thread count; across counts only the non-GEMM kernels' partial sums differ.
    func testTrainingStepIsReproducibleForAFixedThreadCount() throws {
        try requireKernel()
        func step(threads: Int) -> [Float] {
            Threads.setCount(threads)
            MatmulPrecision.set(.bfloat16)
            defer { MatmulPrecision.set(.float32); Threads.setCount(1) }
            var rng = Xoshiro256(seed: 11)
            let stack = TransformerEncoder(count: 2, dModel: 32, heads: 4, dimFeedforward: 256, activation: .gelu,
                                           rng: &rng)
            let opt = AdamW(stack.namedParameters())
            let x = randomTensor([8, 40, 32], seed: 12)  // the feed-forward products split across threads
            let y = stack(x, keyMask: nil, ForwardContext(training: true, rng: Xoshiro256(seed: 13)))
            (y * y).mean().backward()
            opt.update()
            return stack.namedParameters().flatMap { $0.1.scalars }
        }
        let two = step(threads: 2), twoAgain = step(threads: 2), one = step(threads: 1)
        XCTAssertEqual(two, twoAgain)
        XCTAssertLessThan(zip(one, two).map { abs($0 - $1) }.max()!, 1e-5)
    }
}
