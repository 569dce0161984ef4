import COpenBLAS

// a [B, N, N] or [N, N] → h [B] or []; saves exp(A∘A) per item
/// NOTEARS acyclicity h(A) = tr(exp(A∘A)) − n per batch item, on each item's real-node
/// sub-matrix: a [B, N, N] (or [N, N]) → [B] (or []). nodeCounts[b] ≤ N selects the leading
/// n×n block (padded rows and columns get zero gradient). excludeDiagonal zeroes A's diagonal
/// first (self-loops ignored). Exact gradient: dh/dA = 2·A∘exp(A∘A)ᵀ.
/// The exponential is computed in Double by scaling and squaring with a Taylor polynomial
/// (A∘A is non-negative, so the series has no cancellation); accurate for N in the hundreds.
public func notearsH(_ a: Tensor, nodeCounts: [Int]? = nil, excludeDiagonal: Bool = false) -> Tensor {
    let batched = a.rank == 3
    precondition((a.rank == 2 || batched) && a.dim(-1) == a.dim(-2), "notearsH needs [B, N, N] or [N, N], got \(a.shape)")
    let bsz = batched ? a.shape[0] : 1, nmax = a.dim(-1)
    let counts = nodeCounts ?? [Int](repeating: nmax, count: bsz)
    precondition(counts.count == bsz && counts.allSatisfy { $0 >= 0 && $0 <= nmax },
                 "notearsH: nodeCounts \(counts) must be \(bsz) values in 0...\(nmax)")
    let expT = Storage(count: a.count)  // [B, N, N] exp(A∘A)ᵀ of each block, for the gradient
    let h = UnsafeMutablePointer<Float>.allocate(capacity: bsz)  // [B]
    defer { h.deallocate() }
    h.initialize(repeating: 0, count: bsz)
    // Items are independent (one matrix exponential each): split across the workers.
    parallelRanges(bsz, minimumPerChunk: 1) { _, items in for b in items {
        let n = counts[b]
        if n == 0 { continue }
        var m = [Double](repeating: 0, count: n * n)  // [n, n]
        let ab = a.data + b * nmax * nmax
        for i in 0..<n { for j in 0..<n where !(excludeDiagonal && i == j) {
            let v = Double(ab[i * nmax + j]); m[i * n + j] = v * v
        } }
        let e = matrixExp(m, n)
        var tr = 0.0
        for i in 0..<n { tr += e[i * n + i] }
        h[b] = Float(tr - Double(n))
        let et = expT.pointer + b * nmax * nmax
        for i in 0..<n { for j in 0..<n { et[i * nmax + j] = Float(e[j * n + i]) } }
    } }
    let out = Tensor.output(batched ? [bsz] : [])
    for b in 0..<bsz { out.data[b] = h[b] }
    return out.recorded(from: [a]) { out in
        let g = out.grad, ga = a.grad
        for b in 0..<bsz {
            let n = counts[b], off = b * nmax * nmax
            for i in 0..<n { for j in 0..<n where !(excludeDiagonal && i == j) {
                let k = off + i * nmax + j
                ga[k] += g[b] * 2 * a.data[k] * expT.pointer[k]
            } }
        }
    }
}

/// exp(M) for a row-major n×n Double matrix: scale by 2^−s so ‖M‖₁/2^s ≤ ½, Taylor series to
/// degree 18 (truncation < 1e-22 relative), then square s times.
func matrixExp(_ m: [Double], _ n: Int) -> [Double] {
    var norm = 0.0
    for j in 0..<n {
        var c = 0.0
        for i in 0..<n { c += Swift.abs(m[i * n + j]) }
        norm = max(norm, c)
    }
    var s = 0
    while norm / Double(1 << min(s, 62)) > 0.5 && s < 1000 { s += 1 }
    let scale = 1 / pow2(s)
    let x = m.map { $0 * scale }
    var result = [Double](repeating: 0, count: n * n)
    for i in 0..<n { result[i * n + i] = 1 }
    var term = result
    var next = result
    for k in 1...18 {
        // term ← term·X/k
        dgemm(term, x, &next, n, alpha: 1 / Double(k))
        swap(&term, &next)
        for i in 0..<(n * n) { result[i] += term[i] }
    }
    for _ in 0..<s {
        dgemm(result, result, &next, n, alpha: 1)
        swap(&result, &next)
    }
    return result
}

private func pow2(_ s: Int) -> Double {
    var v = 1.0
    for _ in 0..<s { v *= 2 }
    return v
}

private func dgemm(_ a: [Double], _ b: [Double], _ c: inout [Double], _ n: Int, alpha: Double) {
    _ = Threads.serialBLAS
    a.withUnsafeBufferPointer { ap in
        b.withUnsafeBufferPointer { bp in
            c.withUnsafeMutableBufferPointer { cp in
                cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(n), Int32(n), Int32(n), alpha,
                            ap.baseAddress, Int32(n), bp.baseAddress, Int32(n), 0, cp.baseAddress, Int32(n))
            }
        }
    }
}
