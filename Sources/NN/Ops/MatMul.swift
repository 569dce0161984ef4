// Matrix products on OpenBLAS sgemm, each with its backward beside it.

// x [..., In], weight [Out, In], bias [Out] → y [..., Out]
/// y = x·Wᵀ + b over the last dimension: x [..., In], weight [Out, In], bias [Out] → [..., Out].
public func linear(_ x: Tensor, weight: Tensor, bias: Tensor?) -> Tensor {
    precondition(weight.rank == 2, "linear weight must be [out, in], got \(weight.shape)")
    let (nOut, nIn) = (weight.shape[0], weight.shape[1])
    precondition(x.shape.last == nIn, "linear: input \(x.shape) does not end in \(nIn) (weight \(weight.shape))")
    if let bias { precondition(bias.shape == [nOut], "linear bias \(bias.shape), expected [\(nOut)]") }
    let m = x.count / max(nIn, 1)
    let inputs = bias.map { [x, weight, $0] } ?? [x, weight]
    let out = Tensor.output(Array(x.shape.dropLast()) + [nOut])
    let y = out.data
    if let bias {
        parallelRanges(m, minimumPerChunk: 4096 / max(nOut, 1) + 1) { _, rows in
            for r in rows { (y + r * nOut).update(from: bias.data, count: nOut) }
        }
    }
    sgemm(transB: true, m: m, n: nOut, k: nIn, a: x.data, lda: nIn, b: weight.data, ldb: nIn,
          beta: bias == nil ? 0 : 1, c: y, ldc: nOut)
    return out.recorded(from: inputs) { out in
        let dy = out.grad  // [M, Out]
        // The first gradient to arrive is stored (beta 0) into an unzeroed buffer, later ones added.
        if x.requiresGrad {
            let (gx, accumulate) = x.gradForWriting()
            sgemm(m: m, n: nIn, k: nOut, a: dy, lda: nOut, b: weight.data, ldb: nIn, beta: accumulate ? 1 : 0,
                  c: gx, ldc: nIn)
        }
        if weight.requiresGrad {
            let (gw, accumulate) = weight.gradForWriting()
            sgemm(transA: true, m: nOut, n: nIn, k: m, a: dy, lda: nOut, b: x.data, ldb: nIn, beta: accumulate ? 1 : 0,
                  c: gw, ldc: nIn)
        }
        if let bias, bias.requiresGrad { addColumnSums(dy, rows: m, cols: nOut, into: bias.grad) }
    }
}

/// dst[j] += Σ_r src[r, j].
@inline(__always)
func addColumnSums(_ src: UnsafePointer<Float>, rows: Int, cols: Int, into dst: UnsafeMutablePointer<Float>) {
    for r in 0..<rows {
        let row = src + r * cols
        for j in 0..<cols { dst[j] += row[j] }
    }
}

// a [..., m, k], b [..., k, n] or [k, n] (bᵀ with transposeB) → c [..., m, n]
/// Batched product a·b (or a·bᵀ): a [..., M, K], b [..., K, N] (or [..., N, K]) with the same
/// leading dimensions, or b of rank 2 shared by every batch item → [..., M, N].
public func matmul(_ a: Tensor, _ b: Tensor, transposeB: Bool = false) -> Tensor {
    precondition(a.rank >= 2 && b.rank >= 2, "matmul needs matrices, got \(a.shape) and \(b.shape)")
    let (m, k) = (a.dim(-2), a.dim(-1))
    let (bk, n) = transposeB ? (b.dim(-1), b.dim(-2)) : (b.dim(-2), b.dim(-1))
    precondition(k == bk, "matmul: inner sizes differ, \(a.shape) × \(b.shape)\(transposeB ? "ᵀ" : "")")
    let batch = a.count / max(m * k, 1)
    let sharedB = b.rank == 2 && a.rank > 2
    precondition(sharedB || Array(a.shape.dropLast(2)) == Array(b.shape.dropLast(2)),
                 "matmul: batch dimensions differ, \(a.shape) vs \(b.shape)")
    let bStride = sharedB ? 0 : k * n
    let ldb = transposeB ? k : n
    let out = Tensor.output(Array(a.shape.dropLast(2)) + [m, n])
    for i in 0..<batch {
        sgemm(transB: transposeB, m: m, n: n, k: k, a: a.data + i * m * k, lda: k, b: b.data + i * bStride,
              ldb: ldb, c: out.data + i * m * n, ldc: n)
    }
    return out.recorded(from: [a, b]) { out in
        let dc = out.grad
        for i in 0..<batch {
            let dci = dc + i * m * n, ai = a.data + i * m * k, bi = b.data + i * bStride
            if a.requiresGrad {  // dA = dC·Bᵀ (or dC·B when C = A·Bᵀ)
                sgemm(transB: !transposeB, m: m, n: k, k: n, a: dci, lda: n, b: bi, ldb: ldb, beta: 1,
                      c: a.grad + i * m * k, ldc: k)
            }
            if b.requiresGrad {
                if transposeB {  // dB = dCᵀ·A  [N, K]
                    sgemm(transA: true, m: n, n: k, k: m, a: dci, lda: n, b: ai, ldb: k, beta: 1,
                          c: b.grad + i * bStride, ldc: k)
                } else {  // dB = Aᵀ·dC  [K, N]
                    sgemm(transA: true, m: k, n: n, k: m, a: ai, lda: k, b: dci, ldb: n, beta: 1,
                          c: b.grad + i * bStride, ldc: n)
                }
            }
        }
    }
}

// x [B, N, In], weight [Nw, Out, In], bias [Nw, Out] → y [B, N, Out]
/// A distinct linear map per node: y[b, n] = W[n]·x[b, n] + bias[n], for x [B, N, In],
/// weight [Nw, Out, In], bias [Nw, Out] with Nw ≥ N (nodes beyond N are unused). One sgemm
/// per node reads the strided rows of x in place (Model B's per-node experts).
public func perNodeLinear(_ x: Tensor, weight: Tensor, bias: Tensor?) -> Tensor {
    precondition(x.rank == 3 && weight.rank == 3, "perNodeLinear: x [B, N, In], weight [N, Out, In]; got \(x.shape), \(weight.shape)")
    let (bsz, nodes, nIn) = (x.shape[0], x.shape[1], x.shape[2])
    let nOut = weight.shape[1]
    precondition(weight.shape[2] == nIn && weight.shape[0] >= nodes,
                 "perNodeLinear: weight \(weight.shape) does not fit x \(x.shape)")
    if let bias { precondition(bias.shape == [weight.shape[0], nOut], "perNodeLinear bias \(bias.shape)") }
    let inputs = bias.map { [x, weight, $0] } ?? [x, weight]
    let out = Tensor.output([bsz, nodes, nOut])
    let y = out.data
    for n in 0..<nodes {
        if let bias {
            for b in 0..<bsz { (y + (b * nodes + n) * nOut).update(from: bias.data + n * nOut, count: nOut) }
        }
        sgemm(transB: true, m: bsz, n: nOut, k: nIn, a: x.data + n * nIn, lda: nodes * nIn,
              b: weight.data + n * nOut * nIn, ldb: nIn, beta: bias == nil ? 0 : 1, c: y + n * nOut, ldc: nodes * nOut)
    }
    return out.recorded(from: inputs) { out in
        let dy = out.grad
        for n in 0..<nodes {
            let dyn = dy + n * nOut, wn = weight.data + n * nOut * nIn
            if x.requiresGrad {
                sgemm(m: bsz, n: nIn, k: nOut, a: dyn, lda: nodes * nOut, b: wn, ldb: nIn, beta: 1,
                      c: x.grad + n * nIn, ldc: nodes * nIn)
            }
            if weight.requiresGrad {
                sgemm(transA: true, m: nOut, n: nIn, k: bsz, a: dyn, lda: nodes * nOut, b: x.data + n * nIn,
                      ldb: nodes * nIn, beta: 1, c: weight.grad + n * nOut * nIn, ldc: nIn)
            }
            if let bias, bias.requiresGrad {
                let gb = bias.grad + n * nOut
                for b in 0..<bsz { for j in 0..<nOut { gb[j] += dyn[b * nodes * nOut + j] } }
            }
        }
    }
}
