import Randomness
import XCTest
@testable import NN

/// Finite-difference gradient checks. The function under test maps the inputs to a tensor
/// y; the checked scalar is L = Σ y·w with fixed random weights w (so every output element
/// matters). Central differences with step h = 1e-2 in float32, L summed in Double:
/// truncation error ~h²·L''' ≈ 1e-4 and rounding ~ulp(L)/h ≈ 1e-5, so analytic and numeric
/// gradients must agree within 3e-3·(1 + |g|) (a wrong backward is off by O(1)).
func checkGradients(_ inputs: [Tensor], h: Float = 1e-2, tolerance: Float = 3e-3, seed: UInt64 = 99,
                    file: StaticString = #filePath, line: UInt = #line, _ f: () -> Tensor) {
    for t in inputs { t.requiresGrad = true; t.zeroGrad() }
    let y0 = f()
    var rng = Xoshiro256(seed: seed)
    let w = (0..<y0.count).map { _ in Float(rng.nextDouble() * 2 - 1) }
    let weightT = Tensor(shape: y0.shape, scalars: w)
    (y0 * weightT).sum().backward()
    func loss() -> Double {
        let y = Tape.withoutRecording { f() }
        var s = 0.0
        for i in 0..<y.count { s += Double(y.data[i]) * Double(w[i]) }
        return s
    }
    for (ti, t) in inputs.enumerated() {
        let analytic = t.gradScalars ?? [Float](repeating: 0, count: t.count)
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
                XCTFail("input \(ti) \(t.shape) element \(i): analytic \(analytic[i]), numeric \(numeric)", file: file, line: line)
                return
            }
        }
    }
}

func randomTensor(_ shape: [Int], seed: UInt64, scale: Float = 1, shift: Float = 0) -> Tensor {
    var rng = Xoshiro256(seed: seed, stream: 7)
    let n = shape.reduce(1, *)
    return Tensor(shape: shape, scalars: (0..<n).map { _ in Float(rng.nextGaussian()) * scale + shift })
}

/// max |a − b| / (max |b| + tiny): a relative error on the scale of the reference.
func relativeError(_ a: [Float], _ b: [Double]) -> Double {
    precondition(a.count == b.count, "sizes \(a.count) vs \(b.count)")
    var num = 0.0, den = 1e-30
    for i in a.indices { num = max(num, abs(Double(a[i]) - b[i])); den = max(den, abs(b[i])) }
    return num / den
}
