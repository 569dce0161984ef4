/// One matrix product of a training step: C[m, n] = op(A)·op(B), row-major.
public struct GemmShape: Equatable, Sendable, CustomStringConvertible {
    public var transA: Bool, transB: Bool
    public var m: Int, n: Int, k: Int

    public init(transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int) {
        (self.transA, self.transB, self.m, self.n, self.k) = (transA, transB, m, n, k)
    }

    /// The three products of a linear layer `in → out` over `rows` rows in a training step:
    /// y = x·Wᵀ, dx = dy·W, dW = dyᵀ·x.
    public static func linear(rows: Int, in d: Int, out f: Int) -> [GemmShape] {
        [GemmShape(transB: true, m: rows, n: f, k: d), GemmShape(m: rows, n: d, k: f),
         GemmShape(transA: true, m: f, n: d, k: rows)]
    }

    public var description: String { "\(m)×\(n)×\(k)\(transA ? " Aᵀ" : "")\(transB ? " Bᵀ" : "")" }
}

/// `--precision auto`: times the candidate precisions (float32 OpenBLAS, the own bfloat16
/// kernel) on a model's real products, at the current thread count, and picks the faster.
/// Which one wins depends on the CPU: on AMD Zen 4 bfloat16 is ~2.5× float32, on an Intel
/// Xeon with AVX-512 BF16 OpenBLAS's SkylakeX sgemm beats it. The clock is injected (the
/// library reads none): `nanoseconds()` returns a monotonic time.
public struct MatmulCalibration: Sendable {
    /// The faster precision: what the run should use (and record, so a resume keeps it).
    public let choice: MatmulPrecision
    /// bf16 is chosen only when its time is below this fraction of fp32's.
    public static let bf16Margin = 0.9
    /// Milliseconds per pass over all shapes, per candidate timed (the best of the passes).
    public let milliseconds: [MatmulPrecision: Double]
    /// What one timed pass is ("training step", "pass over the model's products").
    public let unit: String

    /// Times `passes` passes over `shapes` per candidate (after one untimed warm-up pass)
    /// and keeps each candidate's fastest pass. Without AVX-512 BF16 there is nothing to
    /// compare and nothing is timed: float32. Leaves `MatmulPrecision.current` as it found it.
    public init(shapes: [GemmShape], passes: Int = 3, nanoseconds: () -> UInt64) {
        let operands = shapes.map { s in
            (s, Tensor(shape: [s.m * s.k], scalars: (0..<s.m * s.k).map { Float(($0 % 13) - 6) * 0.1 }),
             Tensor(shape: [s.k * s.n], scalars: (0..<s.k * s.n).map { Float(($0 % 7) - 3) * 0.1 }),
             Tensor(zeros: [s.m * s.n]))
        }
        self.init(passes: shapes.isEmpty ? 0 : passes, nanoseconds: nanoseconds, unit: "pass over the model's products") {
            for (s, a, b, c) in operands {
                gemmNoGraph(transA: s.transA, transB: s.transB, m: s.m, n: s.n, k: s.k, a: a, b: b, into: c)
            }
        }
    }

    /// Times `passes` calls of `pass` per candidate (after one untimed warm-up call of each),
    /// alternating the candidates, keeping each candidate's fastest — `pass` may be a whole
    /// training step's forward and backward, which ranks the candidates as training will feel
    /// them (products alone do not: their fp32/bf16 ratio mispredicted whole steps of models A
    /// and E on an Intel Xeon).
    /// `unit` names what one pass is, for `summary`. No AVX-512 BF16 or `passes` 0: float32,
    /// untimed. Leaves `MatmulPrecision.current` as it found it.
    public init(passes: Int, nanoseconds: () -> UInt64, unit: String = "pass", pass: () throws -> Void) rethrows {
        self.unit = unit
        guard MatmulPrecision.bfloat16Supported, passes > 0 else {
            choice = .float32
            milliseconds = [:]
            return
        }
        let saved = MatmulPrecision.current
        defer { MatmulPrecision.set(saved) }
        var best: [MatmulPrecision: Double] = [:]
        // Both warm up first, then the timed passes alternate: run one after the other, the
        // first candidate's passes met the fresh process's page faults and the data
        // producer's start alone (fp32 329 ms against 250 in a real step picked bf16 for
        // model A at N = 50 on an Intel Xeon).
        let candidates = [MatmulPrecision.float32, .bfloat16]
        for candidate in candidates { MatmulPrecision.set(candidate); try pass() }
        for _ in 0..<passes {
            for candidate in candidates {
                MatmulPrecision.set(candidate)
                let t0 = nanoseconds()
                try pass()
                best[candidate] = min(best[candidate] ?? .infinity, Double(nanoseconds() &- t0) / 1e6)
            }
        }
        milliseconds = best
        // bf16 must win clearly: timings this short differ by a few % from run to run, and a
        // near tie taken for bf16 lost 17% of a real step (model E, N = 50, Intel Xeon).
        choice = best[.bfloat16]! < MatmulCalibration.bf16Margin * best[.float32]! ? .bfloat16 : .float32
    }

    /// One line for the training log, e.g. "precision auto: fp32 (fp32 12.1 ms, bf16 15.3 ms per pass)".
    public var summary: String {
        guard let f = milliseconds[.float32], let b = milliseconds[.bfloat16] else {
            return "precision auto: \(choice.rawValue) (no AVX-512 BF16 on this CPU)"
        }
        func ms(_ x: Double) -> String { String(Double((x * 100).rounded()) / 100) }
        return "precision auto: \(choice.rawValue) (fp32 \(ms(f)) ms, bf16 \(ms(b)) ms per \(unit))"
    }
}
