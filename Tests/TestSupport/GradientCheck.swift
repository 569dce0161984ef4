import NN
import Randomness
import XCTest

/// Finite-difference gradient checks. The functions under test map the inputs to tensors
/// y₁ … y_k; the checked scalar is L = Σⱼ Σ yⱼ·wⱼ with fixed random weights wⱼ (so every output
/// element matters). Central differences with step h = 1e-2 in float32, L summed in Double:
/// truncation error ~h²·L''' ≈ 1e-4 and rounding ~ulp(L)/h ≈ 1e-5, so analytic and numeric
/// gradients must agree within 3e-3·(1 + |g|) (a wrong backward is off by O(1)).
public func checkGradients(_ inputs: [Tensor], h: Float = 1e-2, tolerance: Float = 3e-3, seed: UInt64 = 99,
                           file: StaticString = #filePath, line: UInt = #line, _ f: () -> Tensor) {
    checkGradients(inputs.enumerated().map { ("input \($0.offset)", $0.element) }, h: h, tolerance: tolerance,
                   seed: seed, file: file, line: line) { [f()] }
}

/// The multi-output form: `inputs` are named for the failure message; with
/// `requireGradient`, an input whose analytic gradient is all zero fails too (a check that
/// compares 0 with 0 proves nothing).
public func checkGradients(_ inputs: [(String, Tensor)], h: Float = 1e-2, tolerance: Float = 3e-3, seed: UInt64 = 99,
                           requireGradient: Bool = false,
                           file: StaticString = #filePath, line: UInt = #line, _ f: () -> [Tensor]) {
    for (_, t) in inputs { t.requiresGrad = true; t.zeroGrad() }
    let ys = f()
    var rng = Xoshiro256(seed: seed)
    let weights = ys.map { y in (0..<y.count).map { _ in Float(rng.nextDouble() * 2 - 1) } }
    let terms = zip(ys, weights).map { y, w in (y * Tensor(shape: y.shape, scalars: w)).sum() }
    terms.dropFirst().reduce(terms[0], +).backward()
    func loss() -> Double {
        let ys = Tape.withoutRecording { f() }
        var s = 0.0
        for (y, w) in zip(ys, weights) {
            for i in 0..<y.count { s += Double(y.data[i]) * Double(w[i]) }
        }
        return s
    }
    for (name, t) in inputs {
        let analytic = t.gradScalars ?? [Float](repeating: 0, count: t.count)
        if requireGradient { XCTAssertTrue(analytic.contains { $0 != 0 }, "\(name): no gradient", file: file, line: line) }
        for i in 0..<t.count {
            let old = t.data[i]
            t.data[i] = old + h
            let lp = loss()
            t.data[i] = old - h
            let lm = loss()
            t.data[i] = old
            let numeric = Float((lp - lm) / Double(2 * h))
            let err = abs(numeric - analytic[i])
            if err > tolerance * (1 + abs(analytic[i])) {
                XCTFail("\(name) \(t.shape) element \(i): analytic \(analytic[i]), numeric \(numeric)", file: file, line: line)
                return
            }
        }
    }
}

/// A tensor of N(shift, scale²) entries from its own generator stream.
public func randomTensor(_ shape: [Int], seed: UInt64, scale: Float = 1, shift: Float = 0) -> Tensor {
    var rng = Xoshiro256(seed: seed, stream: 7)
    let n = shape.reduce(1, *)
    return Tensor(shape: shape, scalars: (0..<n).map { _ in Float(rng.nextGaussian()) * scale + shift })
}
