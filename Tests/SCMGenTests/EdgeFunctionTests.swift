import Foundation
import Randomness
@testable import SCMGen
import XCTest

/// Each edge function is exactly the seed's formula with its clip.
final class EdgeFunctionTests: XCTestCase {
    func testFormulasAndClipsOnFixedInputs() {
        let cases: [(EdgeFunction, Float, Float)] = [
            (.linear, 1.5, 3), (.linear, -4, -8),
            (.negativeLinear, 1.5, -3), (.negativeLinear, -4, 8),
            (.sin, 0.5, 0.47942554), (.sin, -2, -0.9092974),
            (.cos, 0.5, 0.87758256), (.cos, 3, -0.9899925),
            (.tanh, 0.5, 0.46211716), (.tanh, -30, -1),
            (.log, 0, logf(1e-5)), (.log, -2, 0.6931522), (.log, 1, 0.0000099999),
            (.exp, 1, 2.7182817), (.exp, 7, 148.41316), (.exp, -9, 0.006737947),   // clipped at ±5
            (.sqrt, 4, 2), (.sqrt, -9, 3),
            (.quadratic, 3, 9), (.quadratic, -4, 16), (.quadratic, 6, 25), (.quadratic, -100, 25),  // clip ±5
            (.cubic, 2, 8), (.cubic, -1.5, -3.375), (.cubic, 4, 27), (.cubic, -10, -27),            // clip ±3
        ]
        for (f, x, want) in cases {
            XCTAssertEqual(f.apply(x), want, accuracy: 2e-6 * max(1, abs(want)), "\(f)(\(x))")
        }
        XCTAssertEqual(EdgeFunction.allCases.map(\.rawValue), Array(1...10), "the seed's numbering")
    }

    /// The vectorised per-column loops agree exactly with `apply` element by element.
    func testColumnAccumulationMatchesApply() {
        var rng = Xoshiro256(seed: 1)
        let xs = (0..<257).map { _ in Float(rng.nextDouble() * 60 - 30) }
        for f in EdgeFunction.allCases {
            var acc = [Float](repeating: 0.25, count: xs.count)
            xs.withUnsafeBufferPointer { p in
                acc.withUnsafeMutableBufferPointer { f.accumulate(p.baseAddress!, into: $0.baseAddress!, count: xs.count) }
            }
            for (x, a) in zip(xs, acc) { XCTAssertEqual(a, 0.25 + f.apply(x), "\(f)(\(x))") }
        }
    }

    /// The structural equations against a row-by-row reimplementation of the seed's
    /// `generate_data` on the same noise, bit for bit: `propagate` computes a node's term once
    /// per function and pushes it to all children with that function (the large graph has
    /// nodes with many such children), the reference pulls each child's terms parent by parent.
    func testPropagateMatchesNaiveRowByRowEquations() {
        for (n, p, rows, seed) in [(12, 0.5, 40, UInt64(9)), (60, 0.3, 37, 10)] {
            checkPropagate(nodes: n, edgeProbability: p, rows: rows, seed: seed)
        }
    }

    private func checkPropagate(nodes n: Int, edgeProbability: Double, rows: Int, seed: UInt64) {
        var rng = Xoshiro256(seed: seed)
        let scm = StructuralCausalModel.sample(nodeCount: n, edgeProbability: edgeProbability, functions: EdgeFunction.allCases, rng: &rng)
        XCTAssertTrue((0..<scm.nodeCount).flatMap { scm.childTerms(of: $0) }.contains { $0.children.count > 1 }, "some term is shared by several children")
        var noise = [Float](repeating: 0, count: n * rows)  // [N][rows]
        noise.withUnsafeMutableBufferPointer { rng.fillGaussian($0, std: 3) }
        for intervention in [nil, (node: scm.order[n / 2], value: Float(8))] as [(node: Int, value: Float)?] {
            var fast = noise
            fast.withUnsafeMutableBufferPointer { scm.propagate($0.baseAddress!, rows: rows, intervention: intervention) }
            for r in 0..<rows {
                var x = [Float](repeating: 0, count: n)
                for c in scm.order {
                    if let iv = intervention, iv.node == c { x[c] = iv.value; continue }
                    var v = noise[c * rows + r]
                    if scm.parents[c].isEmpty { x[c] = v; continue }
                    for (p, f) in zip(scm.parents[c], scm.parentFunctions[c]) { v += f.apply(x[p]) }
                    x[c] = min(max(v, -20), 20)
                }
                for c in 0..<n { XCTAssertEqual(fast[c * rows + r], x[c], "row \(r) node \(c)") }
            }
        }
    }
}
