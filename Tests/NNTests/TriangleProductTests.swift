import Randomness
import TestSupport
import XCTest
@testable import NN

/// `triangleProduct`, the pair context's fused triangle update: finite differences, the
/// composition of plain ops it replaces, and padding that contributes nothing.
final class TriangleProductTests: XCTestCase {
    /// Per-pair scales of a padded batch: item 0 has all `n` nodes real, item 1 its first
    /// n − 1; a-scales are mask / node count, c-scales the 0/1 mask.
    private func scales(b: Int, n: Int) -> (a: [Float], c: [Float]) {
        let counts = (0..<b).map { n - min($0, 1) }
        let mask = (0..<(b * n * n)).map { e -> Float in
            let (item, i, j) = (e / (n * n), e / n % n, e % n)
            return i < counts[item] && j < counts[item] ? 1 : 0
        }
        return (mask.indices.map { mask[$0] / Float(counts[$0 / (n * n)]) }, mask)
    }

    /// The ops the fused product replaces (PairContext before it): scaledRows, permute to
    /// [B, P, N, N], batched sgemm, permute back.
    private func unfused(_ ac: Tensor, _ sa: [Float], _ sc: [Float]) -> Tensor {
        let p = ac.dim(3) / 2
        let (a, c) = (ac.narrowed(axis: 3, start: 0, length: p), ac.narrowed(axis: 3, start: p, length: p))
        return matmul(scaledRows(a, by: sa).permuted([0, 3, 1, 2]), scaledRows(c, by: sc).permuted([0, 3, 1, 2]))
            .permuted([0, 2, 3, 1])
    }

    func testTriangleProductGradientsMatchFiniteDifferences() {
        for p in [3, 32] {  // 32: the unrolled path of the default pair width
            let (b, n) = (2, 4)
            let ac = randomTensor([b, n, n, 2 * p], seed: 40)
            let (sa, sc) = scales(b: b, n: n)
            checkGradients([("ac", ac)], requireGradient: true) { [triangleProduct(ac, aScale: sa, cScale: sc)] }
            // ac used twice: one of its two gradients is stored, the other added.
            checkGradients([("ac", ac)], requireGradient: true) {
                [triangleProduct(ac, aScale: sa, cScale: sc), ac * ac, triangleProduct(ac, aScale: sc, cScale: sa)]
            }
        }
    }

    func testTriangleProductEqualsScaledPermutedMatmul() {
        for p in [5, 32] {
            let (b, n) = (3, 6)
            let ac = randomTensor([b, n, n, 2 * p], seed: 42)
            var (sa, sc) = scales(b: b, n: n)
            sc[7] = -0.5  // scales are not only masks
            sa[9] = 2.5
            let w = randomTensor([b, n, n, p], seed: 44)
            var results: [[[Float]]] = []
            for fused in [true, false] {
                ac.requiresGrad = true
                ac.zeroGrad()
                let t = fused ? triangleProduct(ac, aScale: sa, cScale: sc) : unfused(ac, sa, sc)
                (t * w).sum().backward()
                results.append([t.scalars, ac.gradScalars ?? []])
            }
            for (k, name) in ["t", "grad ac"].enumerated() {
                assertClose(results[0][k], results[1][k], rtol: 1e-5, atol: 1e-6, "P \(p) \(name)")
            }
        }
    }

    /// A padded item gives its real pairs the values and gradients of the same item unpadded,
    /// and 0 everywhere else, whatever the padded rows hold.
    func testPaddedNodesContributeNothing() {
        let (n, real, p) = (5, 3, 4)
        let small = randomTensor([1, real, real, 2 * p], seed: 45)
        func padded(_ x: Tensor, width: Int) -> Tensor {
            var v = [Float](repeating: 1e30, count: n * n * width)  // garbage in the padding
            for i in 0..<real { for j in 0..<real { for q in 0..<width { v[(i * n + j) * width + q] = x.data[(i * real + j) * width + q] } } }
            return Tensor(shape: [1, n, n, width], scalars: v, requiresGrad: true)
        }
        let ac = padded(small, width: 2 * p)
        let mask = (0..<(n * n)).map { e -> Float in e / n < real && e % n < real ? 1 : 0 }
        let smallScale = [Float](repeating: 1 / Float(real), count: real * real), ones = [Float](repeating: 1, count: real * real)
        small.requiresGrad = true
        let want = triangleProduct(small, aScale: smallScale, cScale: ones)
        let g = randomTensor([1, real, real, p], seed: 47)
        (want * g).sum().backward()
        let got = triangleProduct(ac, aScale: mask.map { $0 / Float(real) }, cScale: mask)
        (got * padded(g, width: p).detached()).sum().backward()
        for (x, y, w, name) in [(got.scalars, want.scalars, p, "t"), (ac.gradScalars!, small.gradScalars!, 2 * p, "grad ac")] {
            for i in 0..<n { for j in 0..<n { for q in 0..<w {
                let v = x[(i * n + j) * w + q]
                XCTAssertEqual(v, i < real && j < real ? y[(i * real + j) * w + q] : 0, "\(name) [\(i), \(j), \(q)]")
            } } }
        }
    }
}
