import Foundation
import NN
import Randomness

extension Bench.Stack {
    /// GFLOP/s of the six feed-forward products of a training step at B·N rows (the first
    /// node count), fp32 (OpenBLAS) against bf16, at each thread count: median of `steps`.
    func timeProducts() {
        let rows = batch * (nodeList.first ?? 50), (d, f) = (width, ff)
        // (name, transA, transB, m, n, k): y1 = x·W1ᵀ, y2 = h·W2ᵀ, dh = dy2·W2, dW2 = dy2ᵀ·h,
        // dx = dh·W1, dW1 = dhᵀ·x.
        let shapes: [(String, Bool, Bool, Int, Int, Int)] = [
            ("x·W1ᵀ", false, true, rows, f, d), ("h·W2ᵀ", false, true, rows, d, f),
            ("dy·W2", false, false, rows, f, d), ("dyᵀ·h", true, false, d, f, rows),
            ("dh·W1", false, false, rows, d, f), ("dhᵀ·x", true, false, f, d, rows),
        ]
        print("feed-forward products at \(rows) rows: GFLOP/s, fp32 (OpenBLAS) vs bf16")
        print(String(format: "%3@ %-7@ %6@ %6@ %6@ %9@ %9@ %7@", "thr", "product", "M", "N", "K", "fp32", "bf16", "ratio"))
        var rng = Xoshiro256(seed: 5)
        func random(_ count: Int) -> Tensor { Tensor(shape: [count], scalars: (0..<count).map { _ in Float(rng.nextGaussian()) }) }
        for t in threadList {
            Threads.setCount(t)
            for (name, ta, tb, m, n, k) in shapes {
                let a = random(m * k), b = random(k * n), c = Tensor(zeros: [m * n])
                var rate: [MatmulPrecision: Double] = [:]
                for p in [MatmulPrecision.float32, .bfloat16] {
                    MatmulPrecision.set(p)
                    let ms = median(timeRepetitions(count: max(steps, 5), warmup: 1) {
                        gemmNoGraph(transA: ta, transB: tb, m: m, n: n, k: k, a: a, b: b, into: c)
                    }.wall)
                    rate[p] = 2 * Double(m * n * k) / (ms / 1e3) / 1e9
                }
                MatmulPrecision.set(.float32)
                print(String(format: "%3d %-7@ %6d %6d %6d %9.1f %9.1f %6.2f×", t, name, m, n, k, rate[.float32]!,
                             rate[.bfloat16]!, rate[.bfloat16]! / rate[.float32]!))
            }
        }
    }
}
