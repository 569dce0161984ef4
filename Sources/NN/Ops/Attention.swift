import Foundation
import Randomness

/// Fused scaled-dot-product attention over a packed QKV buffer.
///
/// qkv [B, N, 3D]: per token the q, k and v projections (in_proj order), each split into H
/// heads of D/H columns. Scores per (b, h): S = Q·Kᵀ/√(D/H) + bias + key mask, P = softmax(S)
/// over keys, dropout on P (training), output O = P·V, heads concatenated → [B, N, D].
/// - bias: additive, [B, H, N, N] or [B, N, N] (same for every head); differentiable.
/// - keyMask: [B·N] with 1 = real node and 0 = padded; padded keys get −∞ scores. Padded
///   query rows are not masked (as PyTorch): they attend over the real keys.
// qkv [B, N, 3D] (+ bias [B, H, N, N] or [B, N, N], keyMask [B·N]) → out [B, N, D]; saves probs [B, H, N, N]
public func attention(qkv: Tensor, heads: Int, bias: Tensor? = nil, keyMask: [Float]? = nil,
                      dropout p: Float = 0, _ ctx: ForwardContext? = nil) -> Tensor {
    precondition(qkv.rank == 3 && qkv.shape[2] % 3 == 0, "attention: qkv must be [B, N, 3D], got \(qkv.shape)")
    let (bsz, n, d3) = (qkv.shape[0], qkv.shape[1], qkv.shape[2])
    let d = d3 / 3
    precondition(heads > 0 && d % heads == 0, "attention: width \(d) is not divisible by \(heads) heads")
    let dh = d / heads
    let biasPerHead = bias?.rank == 4
    if let bias {
        precondition(bias.shape == [bsz, heads, n, n] || bias.shape == [bsz, n, n],
                     "attention bias must be [B, H, N, N] = \([bsz, heads, n, n]) or [B, N, N], got \(bias.shape)")
    }
    if let keyMask { precondition(keyMask.count == bsz * n, "keyMask must be [B·N] = \(bsz * n) values, got \(keyMask.count)") }
    let scale = 1 / Float(dh).squareRoot()
    let nodePairs = n * n
    // Every entry of both is written below (scores with beta 0, the mask over all of P).
    let probs = Storage(uninitializedCount: bsz * heads * nodePairs)  // [B, H, N, N] softmax, saved for backward
    var mask: DropoutMask?
    if let ctx, ctx.training, p > 0 { mask = DropoutMask(p: p, rng: &ctx.rng) }
    let dropped = mask == nil ? probs : Storage(uninitializedCount: bsz * heads * nodePairs)  // [B, H, N, N] P after dropout

    let inputs = bias.map { [qkv, $0] } ?? [qkv]
    let out = Tensor.output([bsz, n, d])
    parallelRanges(bsz, minimumPerChunk: 1) { _, items in
        for b in items {
            for h in 0..<heads {
                let base = b * n * d3 + h * dh
                let q = qkv.data + base, k = q + d, v = q + 2 * d  // [N, D/H] each, row stride 3D
                let bh = (b * heads + h) * nodePairs
                let s = probs.pointer + bh  // [N, N]
                // 1. S = Q·Kᵀ·scale (+ bias)
                sgemm(transB: true, m: n, n: n, k: dh, alpha: scale, a: q, lda: d3, b: k, ldb: d3, c: s, ldc: n)
                if let bias {
                    let bp = bias.data + (biasPerHead ? bh : b * nodePairs)
                    for i in 0..<nodePairs { s[i] += bp[i] }
                }
                // 2. padded keys → −∞
                if let keyMask {
                    for j in 0..<n where keyMask[b * n + j] == 0 { for i in 0..<n { s[i * n + j] = -.infinity } }
                }
                // 3. P = softmax(S) over keys
                softmaxRows(s, rows: n, cols: n)
                // 4. P' = dropout(P)
                if let mask { mask.apply(s, dropped.pointer + bh, offset: bh, n: nodePairs) }
                // 5. O = P'·V, into this head's columns of out
                sgemm(m: n, n: dh, k: n, a: dropped.pointer + bh, lda: n, b: v, ldb: d3,
                      c: out.data + b * n * d + h * dh, ldc: d)
            }
        }
    }
    // The backward walks passes 5 → 1.
    return out.recorded(from: inputs) { out in
        let dout = out.grad  // [B, N, D]
        // Every head writes its three slices of dqkv once: a first gradient needs no zero-fill.
        let dqkvFor = qkv.requiresGrad ? qkv.gradForWriting() : nil
        let dqkv = dqkvFor?.pointer, beta: Float = dqkvFor?.accumulate ?? true ? 1 : 0
        let dbias: UnsafeMutablePointer<Float>? = (bias?.requiresGrad ?? false) ? bias!.grad : nil
        // Batch items are independent (disjoint rows of dqkv and dbias): one chunk per thread.
        parallelRanges(bsz, minimumPerChunk: 1) { _, items in
            let dP = UnsafeMutablePointer<Float>.allocate(capacity: nodePairs)  // [N, N] scratch
            defer { dP.deallocate() }
            for b in items {
                for h in 0..<heads {
                    let base = b * n * d3 + h * dh
                    let q = qkv.data + base, k = q + d, v = q + 2 * d
                    let bh = (b * heads + h) * nodePairs
                    let pr = probs.pointer + bh, pd = dropped.pointer + bh
                    let dO = dout + b * n * d + h * dh
                    // 5. dP' = dO·Vᵀ; dV += P'ᵀ·dO
                    sgemm(transB: true, m: n, n: n, k: dh, a: dO, lda: d, b: v, ldb: d3, c: dP, ldc: n)
                    if let dqkv {
                        sgemm(transA: true, m: n, n: dh, k: n, a: pd, lda: n, b: dO, ldb: d, beta: beta,
                              c: dqkv + base + 2 * d, ldc: d3)
                    }
                    // 4. dP = dropout mask · dP'
                    if let mask { mask.apply(dP, dP, offset: bh, n: nodePairs) }
                    // 3. dS = softmax backward (2: masked entries have P = 0, so dS = 0 there)
                    softmaxBackwardRows(p: pr, dp: dP, rows: n, cols: n)  // dP ← dS
                    // 1. dbias += dS; dQ += dS·K·scale; dK += dSᵀ·Q·scale
                    if let dbias {
                        let db = dbias + (biasPerHead ? bh : b * nodePairs)
                        for i in 0..<nodePairs { db[i] += dP[i] }
                    }
                    if let dqkv {
                        sgemm(m: n, n: dh, k: n, alpha: scale, a: dP, lda: n, b: k, ldb: d3, beta: beta,
                              c: dqkv + base, ldc: d3)
                        sgemm(transA: true, m: n, n: dh, k: n, alpha: scale, a: dP, lda: n, b: q, ldb: d3, beta: beta,
                              c: dqkv + base + d, ldc: d3)
                    }
                }
            }
        }
    }
}

/// In-place softmax of each row (max-subtracted; a row of −∞ gives NaN, as PyTorch).
/// 16 lanes at a time: a row's maximum is exact in any order and `fastExp`'s lanes equal the
/// scalar function, so this is bit for bit the plain row loop (`referenceSoftmaxRows`), whose
/// running `max` LLVM cannot vectorise (strict float order).
func softmaxRows(_ s: UnsafeMutablePointer<Float>, rows: Int, cols: Int) {
    let full = cols - cols % 16
    for r in 0..<rows {
        let row = s + r * cols
        var lanes = V16(repeating: -.infinity)
        var j = 0
        while j < full { let x = FloatMath.load(row + j); lanes = FloatMath.select(FloatMath.less(lanes, x), x, lanes); j += 16 }
        var m = -Float.infinity
        for l in 0..<16 { m = max(m, lanes[l]) }
        while j < cols { m = max(m, row[j]); j += 1 }
        let mv = V16(repeating: m)
        j = 0
        while j < full { FloatMath.store(fastExp(FloatMath.load(row + j) - mv), row + j); j += 16 }
        while j < cols { row[j] = fastExp(row[j] - m); j += 1 }
        let inv = 1 / vsum(row, cols)
        for j in 0..<cols { row[j] *= inv }
    }
}

/// The plain row loop `softmaxRows` must equal bit for bit (tests).
func referenceSoftmaxRows(_ s: UnsafeMutablePointer<Float>, rows: Int, cols: Int) {
    for r in 0..<rows {
        let row = s + r * cols
        var m = -Float.infinity
        for j in 0..<cols { m = max(m, row[j]) }
        for j in 0..<cols { row[j] = fastExp(row[j] - m) }
        let inv = 1 / vsum(row, cols)
        for j in 0..<cols { row[j] *= inv }
    }
}

/// dS = P ∘ (dP − rowsum(dP ∘ P)), in place in dp.
func softmaxBackwardRows(p: UnsafePointer<Float>, dp: UnsafeMutablePointer<Float>, rows: Int, cols: Int) {
    for r in 0..<rows {
        let pr = p + r * cols, dr = dp + r * cols
        let dot = vdot(pr, dr, cols)
        for j in 0..<cols { dr[j] = pr[j] * (dr[j] - dot) }
    }
}

/// Plain Double attention forward (no dropout), the reference for the fused kernel.
func referenceAttention(qkv: [Float], b bsz: Int, n: Int, d: Int, heads: Int, bias: [Float]?, biasPerHead: Bool,
                        keyMask: [Float]?) -> [Double] {
    let dh = d / heads, d3 = 3 * d
    let scale = 1 / Double(dh).squareRoot()
    var out = [Double](repeating: 0, count: bsz * n * d)
    for b in 0..<bsz {
        for h in 0..<heads {
            for i in 0..<n {
                var s = [Double](repeating: 0, count: n)
                for j in 0..<n {
                    var dot = 0.0
                    for c in 0..<dh {
                        dot += Double(qkv[(b * n + i) * d3 + h * dh + c]) * Double(qkv[(b * n + j) * d3 + d + h * dh + c])
                    }
                    s[j] = dot * scale
                    if let bias { s[j] += Double(bias[biasPerHead ? ((b * heads + h) * n + i) * n + j : (b * n + i) * n + j]) }
                    if let keyMask, keyMask[b * n + j] == 0 { s[j] = -.infinity }
                }
                let m = s.max()!
                let e = s.map { Foundation.exp($0 - m) }
                let z = e.reduce(0, +)
                for c in 0..<dh {
                    var acc = 0.0
                    for j in 0..<n { acc += e[j] / z * Double(qkv[(b * n + j) * d3 + 2 * d + h * dh + c]) }
                    out[(b * n + i) * d + h * dh + c] = acc
                }
            }
        }
    }
    return out
}
