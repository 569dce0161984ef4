import Randomness

// Products with one small side (the pair network's 32- and 64-wide layers on thousands of
// rows), register-blocked on SIMD16: OpenBLAS packs both operands for every call, which at
// K = 32 costs as much as the arithmetic (45–77 GFLOP/s single-threaded at M = 2500 on the
// Intel Xeon). Here the small operand stays in L1 and the rows stream past once.
// `sgemmSerial` is the reference they are tested against (SmallGemmTests).

// x [M, Kin] (rows ldx apart), b [Kin, Kout] row-major → y [M, Kout] (rows ldy apart)
/// y = x·b, or y += x·b when accumulating. Kout must be a multiple of 32 (`smallGemmFits`).
func smallGemm(m: Int, kin: Int, kout: Int, x: UnsafePointer<Float>, ldx: Int, b: UnsafePointer<Float>,
               y: UnsafeMutablePointer<Float>, ldy: Int, accumulate: Bool) {
    precondition(kout % 32 == 0, "smallGemm: \(kout) output columns, not a multiple of 32")
    for c0 in stride(from: 0, to: kout, by: 32) {
        let bc = b + c0
        var r = 0
        // four rows by 32 columns: 8 accumulators, per k two loads of b and four broadcasts
        while r + 4 <= m {
            let (x0, x1, x2, x3) = (x + r * ldx, x + (r + 1) * ldx, x + (r + 2) * ldx, x + (r + 3) * ldx)
            var (a0, a1, a2, a3, a4, a5, a6, a7) = (zero16, zero16, zero16, zero16, zero16, zero16, zero16, zero16)
            for k in 0..<kin {
                let (b0, b1) = (FloatMath.load(bc + k * kout), FloatMath.load(bc + k * kout + 16))
                var v = SIMD16<Float>(repeating: x0[k])
                a0 = a0.addingProduct(v, b0); a1 = a1.addingProduct(v, b1)
                v = SIMD16<Float>(repeating: x1[k])
                a2 = a2.addingProduct(v, b0); a3 = a3.addingProduct(v, b1)
                v = SIMD16<Float>(repeating: x2[k])
                a4 = a4.addingProduct(v, b0); a5 = a5.addingProduct(v, b1)
                v = SIMD16<Float>(repeating: x3[k])
                a6 = a6.addingProduct(v, b0); a7 = a7.addingProduct(v, b1)
            }
            let yr = y + r * ldy + c0
            put(a0, yr, accumulate); put(a1, yr + 16, accumulate)
            put(a2, yr + ldy, accumulate); put(a3, yr + ldy + 16, accumulate)
            put(a4, yr + 2 * ldy, accumulate); put(a5, yr + 2 * ldy + 16, accumulate)
            put(a6, yr + 3 * ldy, accumulate); put(a7, yr + 3 * ldy + 16, accumulate)
            r += 4
        }
        while r < m {
            let xr = x + r * ldx
            var (a0, a1) = (zero16, zero16)
            for k in 0..<kin {
                let v = SIMD16<Float>(repeating: xr[k])
                a0 = a0.addingProduct(v, FloatMath.load(bc + k * kout)); a1 = a1.addingProduct(v, FloatMath.load(bc + k * kout + 16))
            }
            put(a0, y + r * ldy + c0, accumulate); put(a1, y + r * ldy + c0 + 16, accumulate)
            r += 1
        }
    }
}

// g [M, O] (rows ldg apart), x [M, K] (rows ldx apart) → w [O, K] row-major
/// w = gᵀ·x (a weight gradient: the sum over rows of outer products). O must be a multiple of
/// 8 and K of 32 (`smallGemmFits`).
func smallGemmTransposedLeft(m: Int, o: Int, k: Int, g: UnsafePointer<Float>, ldg: Int, x: UnsafePointer<Float>, ldx: Int,
                             w: UnsafeMutablePointer<Float>) {
    precondition(o % 8 == 0 && k % 32 == 0, "smallGemmTransposedLeft: [\(o), \(k)] is not [8·i, 32·j]")
    for o0 in stride(from: 0, to: o, by: 8) {
        for k0 in stride(from: 0, to: k, by: 32) {
            // eight outputs by 32 inputs: 16 accumulators, per row two loads of x and eight broadcasts
            var (s0, s1, s2, s3, s4, s5, s6, s7) = (zero16, zero16, zero16, zero16, zero16, zero16, zero16, zero16)
            var (t0, t1, t2, t3, t4, t5, t6, t7) = (zero16, zero16, zero16, zero16, zero16, zero16, zero16, zero16)
            for r in 0..<m {
                let xr = x + r * ldx + k0, gr = g + r * ldg + o0
                let (x0, x1) = (FloatMath.load(xr), FloatMath.load(xr + 16))
                var v = SIMD16<Float>(repeating: gr[0]); s0 = s0.addingProduct(v, x0); t0 = t0.addingProduct(v, x1)
                v = SIMD16<Float>(repeating: gr[1]); s1 = s1.addingProduct(v, x0); t1 = t1.addingProduct(v, x1)
                v = SIMD16<Float>(repeating: gr[2]); s2 = s2.addingProduct(v, x0); t2 = t2.addingProduct(v, x1)
                v = SIMD16<Float>(repeating: gr[3]); s3 = s3.addingProduct(v, x0); t3 = t3.addingProduct(v, x1)
                v = SIMD16<Float>(repeating: gr[4]); s4 = s4.addingProduct(v, x0); t4 = t4.addingProduct(v, x1)
                v = SIMD16<Float>(repeating: gr[5]); s5 = s5.addingProduct(v, x0); t5 = t5.addingProduct(v, x1)
                v = SIMD16<Float>(repeating: gr[6]); s6 = s6.addingProduct(v, x0); t6 = t6.addingProduct(v, x1)
                v = SIMD16<Float>(repeating: gr[7]); s7 = s7.addingProduct(v, x0); t7 = t7.addingProduct(v, x1)
            }
            let wr = w + o0 * k + k0
            FloatMath.store(s0, wr); FloatMath.store(t0, wr + 16); FloatMath.store(s1, wr + k); FloatMath.store(t1, wr + k + 16)
            FloatMath.store(s2, wr + 2 * k); FloatMath.store(t2, wr + 2 * k + 16); FloatMath.store(s3, wr + 3 * k); FloatMath.store(t3, wr + 3 * k + 16)
            FloatMath.store(s4, wr + 4 * k); FloatMath.store(t4, wr + 4 * k + 16); FloatMath.store(s5, wr + 5 * k); FloatMath.store(t5, wr + 5 * k + 16)
            FloatMath.store(s6, wr + 6 * k); FloatMath.store(t6, wr + 6 * k + 16); FloatMath.store(s7, wr + 7 * k); FloatMath.store(t7, wr + 7 * k + 16)
        }
    }
}

// 16 floats at a time (one AVX-512 register), for the register-blocked kernels here and in
// the triangle product; loads and stores are `FloatMath.load` / `FloatMath.store`.
let zero16 = SIMD16<Float>()

/// p = v, or p += v.
@inline(__always)
private func put(_ v: SIMD16<Float>, _ p: UnsafeMutablePointer<Float>, _ accumulate: Bool) {
    FloatMath.store(accumulate ? v + FloatMath.load(p) : v, p)
}
