import Randomness

// ac [B, N, N, 2P], aScale [B·N·N], cScale [B·N·N] → t [B, N, N, P]
/// The pair context's triangle product, per channel p, of a = ac[..., :P] and c = ac[..., P:]
/// (one linear layer computes both):
///   t[b, i, j, p] = Σ_k (aScale[b, i, k] · a[b, i, k, p]) · (cScale[b, k, j] · c[b, k, j, p]),
/// i.e. scaledRows + permute to [B, P, N, N] + batched matmul + permute back, computed in the
/// [B, N, N, P] layout the pair MLPs use: no transposed copies, and each item only over its
/// first `span` nodes (beyond the last node with a nonzero scale every term is 0), so a
/// padded batch pays for its real nodes only and its padded pairs contribute nothing.
public func triangleProduct(_ ac: Tensor, aScale: [Float], cScale: [Float]) -> Tensor {
    precondition(ac.rank == 4 && ac.dim(1) == ac.dim(2) && ac.dim(3) % 2 == 0,
                 "triangleProduct: ac must be [B, N, N, 2P], got \(ac.shape)")
    let (b, n, p) = (ac.dim(0), ac.dim(1), ac.dim(3) / 2)
    precondition(aScale.count == b * n * n && cScale.count == b * n * n,
                 "triangleProduct: \(aScale.count) and \(cScale.count) scales for \(b * n * n) pairs")
    let spans = (0..<b).map { span(item: $0, n: n, aScale, cScale) }
    let out = Tensor.output([b, n, n, p])
    let (ap, cp, tp) = (UnsafePointer(ac.data), UnsafePointer(ac.data + p), out.data)
    parallelRanges(b, minimumPerChunk: 1) { _, items in
        let work = TriangleWorkspace(n: n, p: p)
        defer { work.free() }
        for item in items {
            let (e, base) = (spans[item], item * n * n)
            work.scale(ap + base * 2 * p, by: aScale, from: base, into: work.a, span: e)  // a' [N, N, P]
            work.scale(cp + base * 2 * p, by: cScale, from: base, into: work.c, span: e)  // c' [N, N, P]
            let t = tp + base * p
            t.update(repeating: 0, count: n * n * p)  // pairs beyond the span
            work.forward(into: t, span: e)
        }
    }
    return out.recorded(from: [ac]) { out in
        let g = UnsafePointer(out.grad)  // [B, N, N, P]
        let (gac, accumulate) = ac.gradForWriting()  // [B, N, N, 2P]
        parallelRanges(b, minimumPerChunk: 1) { _, items in
            let work = TriangleWorkspace(n: n, p: p)
            defer { work.free() }
            for item in items {
                let (e, base) = (spans[item], item * n * n)
                let gItem = gac + base * 2 * p
                work.scale(ap + base * 2 * p, by: aScale, from: base, into: work.a, span: e)
                work.scale(cp + base * 2 * p, by: cScale, from: base, into: work.c, span: e)
                if !accumulate {  // pairs beyond the span: both halves 0
                    for u in 0..<n { for v in 0..<n where u >= e || v >= e { (gItem + (u * n + v) * 2 * p).update(repeating: 0, count: 2 * p) } }
                }
                aScale.withUnsafeBufferPointer { sa in
                    cScale.withUnsafeBufferPointer { sc in
                        work.backward(g + base * p, span: e, aScale: sa.baseAddress! + base, cScale: sc.baseAddress! + base,
                                      into: gItem, accumulate: accumulate)
                    }
                }
            }
        }
    }
}

/// 1 + the largest node index of `item` with a nonzero scale (0 for an all-padded item).
private func span(item: Int, n: Int, _ aScale: [Float], _ cScale: [Float]) -> Int {
    var e = 0
    for u in 0..<n {
        for v in 0..<n where aScale[(item * n + u) * n + v] != 0 || cScale[(item * n + u) * n + v] != 0 { e = max(e, u + 1, v + 1) }
    }
    return e
}

/// Scratch of one thread: the scaled operands of one item and one block of sums, and the
/// product's per-item loops over them (the fused pair network runs them on compact items).
struct TriangleWorkspace {
    let n: Int, p: Int
    let a: UnsafeMutablePointer<Float>     // [N, N, P] a' = aScale ⊙ a
    let c: UnsafeMutablePointer<Float>     // [N, N, P] c' = cScale ⊙ c
    let sums: UnsafeMutablePointer<Float>  // [2, 4, P]

    init(n: Int, p: Int) {
        (self.n, self.p) = (n, p)
        a = .allocate(capacity: max(n * n * p, 1))
        c = .allocate(capacity: max(n * n * p, 1))
        sums = .allocate(capacity: 8 * p)
    }

    func free() { a.deallocate(); c.deallocate(); sums.deallocate() }

    // a', c' [N, N, P] → t [N, N, P] (pairs beyond the span left as they are)
    /// t[i, j] = Σ_k a'[i, k] ⊙ c'[k, j] for i, j, k < e, two rows i by four columns j at a time.
    /// Columns outside, rows inside: the four columns of c' (e · 4 · P floats, 25 KB at N = 50,
    /// P = 32) stay in L1 while the rows of a' stream past, instead of all of c' (320 KB)
    /// streaming from L2 for every pair of rows; the kernel is bound by those loads.
    func forward(into t: UnsafeMutablePointer<Float>, span e: Int) {
        for j0 in stride(from: 0, to: e, by: 4) {
            for i0 in stride(from: 0, to: e, by: 2) {
                let (xRows, rows) = (min(2, e - i0), min(4, e - j0))
                products(xRows, a + i0 * n * p, n * p, p, rows, c + j0 * p, p, n * p, e)
                for u in 0..<xRows {
                    for r in 0..<rows { (t + ((i0 + u) * n + j0 + r) * p).update(from: sums + (u * 4 + r) * p, count: p) }
                }
            }
        }
    }

    // g [N, N, P], a', c' [N, N, P], scales [N·N] → gac [N, N, 2P] (pairs within the span)
    /// The product's backward for one item: the a half gets aScale[i, k] · Σ_j g[i, j] ⊙ c'[k, j],
    /// the c half cScale[k, j] · Σ_i a'[i, k] ⊙ g[i, j]; stored, or added when accumulating.
    func backward(_ g: UnsafePointer<Float>, span e: Int, aScale: UnsafePointer<Float>, cScale: UnsafePointer<Float>,
                  into gac: UnsafeMutablePointer<Float>, accumulate: Bool) {
        // two rows i by four k at a time (the four rows of c' kept in L1, as in forward)
        for k0 in stride(from: 0, to: e, by: 4) {
            for i0 in stride(from: 0, to: e, by: 2) {
                let (xRows, rows) = (min(2, e - i0), min(4, e - k0))
                products(xRows, g + i0 * n * p, n * p, p, rows, c + k0 * n * p, n * p, p, e)
                for u in 0..<xRows {
                    for r in 0..<rows {
                        let o = (i0 + u) * n + k0 + r
                        store(sums + (u * 4 + r) * p, aScale[o], gac + o * 2 * p, accumulate, p)
                    }
                }
            }
        }
        // two rows k by four columns j at a time (the four columns of g kept in L1)
        for j0 in stride(from: 0, to: e, by: 4) {
            for k0 in stride(from: 0, to: e, by: 2) {
                let (xRows, rows) = (min(2, e - k0), min(4, e - j0))
                products(xRows, a + k0 * p, p, n * p, rows, g + j0 * p, p, n * p, e)
                for u in 0..<xRows {
                    for r in 0..<rows {
                        let o = (k0 + u) * n + j0 + r
                        store(sums + (u * 4 + r) * p, cScale[o], gac + o * 2 * p + p, accumulate, p)
                    }
                }
            }
        }
    }

    /// dst[u, v] = scales[first + u·N + v] · x[u, v] for u, v < span (the rest is not read),
    /// x's rows 2P apart (one half of ac).
    func scale(_ x: UnsafePointer<Float>, by scales: [Float], from first: Int, into dst: UnsafeMutablePointer<Float>, span e: Int) {
        for u in 0..<e {
            for v in 0..<e {
                let o = u * n + v
                scaleRow(x + o * 2 * p, scales[first + o], dst + o * p, p)
            }
        }
    }

    /// sums[u, r, :] = Σ_{s < len} x[u·xr + s·xs ..< +P] ⊙ y[r·yr + s·ys ..< +P] for u < xRows (≤ 2),
    /// r < rows (≤ 4): a 2 × 4 block of per-channel dot products. P = 32 keeps the block's
    /// sums in registers (16 × 16 floats on AVX-512); other widths take the plain loop.
    @inline(__always)
    func products(_ xRows: Int, _ x: UnsafePointer<Float>, _ xr: Int, _ xs: Int,
                  _ rows: Int, _ y: UnsafePointer<Float>, _ yr: Int, _ ys: Int, _ len: Int) {
        if p == 32 && rows == 4 && xRows == 2 {
            var (s0, s1, s2, s3, s4, s5, s6, s7) = (zero16, zero16, zero16, zero16, zero16, zero16, zero16, zero16)
            var (t0, t1, t2, t3, t4, t5, t6, t7) = (zero16, zero16, zero16, zero16, zero16, zero16, zero16, zero16)
            for s in 0..<len {
                let xv = x + s * xs, yv = y + s * ys
                let (x0, x1, z0, z1) = (FloatMath.load(xv), FloatMath.load(xv + 16), FloatMath.load(xv + xr), FloatMath.load(xv + xr + 16))
                var (y0, y1) = (FloatMath.load(yv), FloatMath.load(yv + 16))
                s0 = s0.addingProduct(x0, y0); s1 = s1.addingProduct(x1, y1)
                t0 = t0.addingProduct(z0, y0); t1 = t1.addingProduct(z1, y1)
                (y0, y1) = (FloatMath.load(yv + yr), FloatMath.load(yv + yr + 16))
                s2 = s2.addingProduct(x0, y0); s3 = s3.addingProduct(x1, y1)
                t2 = t2.addingProduct(z0, y0); t3 = t3.addingProduct(z1, y1)
                (y0, y1) = (FloatMath.load(yv + 2 * yr), FloatMath.load(yv + 2 * yr + 16))
                s4 = s4.addingProduct(x0, y0); s5 = s5.addingProduct(x1, y1)
                t4 = t4.addingProduct(z0, y0); t5 = t5.addingProduct(z1, y1)
                (y0, y1) = (FloatMath.load(yv + 3 * yr), FloatMath.load(yv + 3 * yr + 16))
                s6 = s6.addingProduct(x0, y0); s7 = s7.addingProduct(x1, y1)
                t6 = t6.addingProduct(z0, y0); t7 = t7.addingProduct(z1, y1)
            }
            FloatMath.store(s0, sums); FloatMath.store(s1, sums + 16); FloatMath.store(s2, sums + 32); FloatMath.store(s3, sums + 48)
            FloatMath.store(s4, sums + 64); FloatMath.store(s5, sums + 80); FloatMath.store(s6, sums + 96); FloatMath.store(s7, sums + 112)
            FloatMath.store(t0, sums + 128); FloatMath.store(t1, sums + 144); FloatMath.store(t2, sums + 160); FloatMath.store(t3, sums + 176)
            FloatMath.store(t4, sums + 192); FloatMath.store(t5, sums + 208); FloatMath.store(t6, sums + 224); FloatMath.store(t7, sums + 240)
        } else if p == 32 {
            for u in 0..<xRows {
                for r in 0..<rows {
                    var (s0, s1) = (zero16, zero16)
                    for s in 0..<len {
                        let xv = x + u * xr + s * xs, yv = y + r * yr + s * ys
                        s0 = s0.addingProduct(FloatMath.load(xv), FloatMath.load(yv)); s1 = s1.addingProduct(FloatMath.load(xv + 16), FloatMath.load(yv + 16))
                    }
                    FloatMath.store(s0, sums + (u * 4 + r) * p); FloatMath.store(s1, sums + (u * 4 + r) * p + 16)
                }
            }
        } else {
            for u in 0..<xRows {
                for r in 0..<rows {
                    let out = sums + (u * 4 + r) * p
                    out.update(repeating: 0, count: p)
                    for s in 0..<len {
                        let xv = x + u * xr + s * xs, yv = y + r * yr + s * ys
                        for q in 0..<p { out[q] += xv[q] * yv[q] }
                    }
                }
            }
        }
    }
}

/// y = s · x.
@inline(__always)
private func scaleRow(_ x: UnsafePointer<Float>, _ s: Float, _ y: UnsafeMutablePointer<Float>, _ p: Int) {
    if p == 32 { for q in 0..<32 { y[q] = s * x[q] } } else { for q in 0..<p { y[q] = s * x[q] } }
}

/// dst = s · x, or dst += s · x when accumulating.
@inline(__always)
private func store(_ x: UnsafePointer<Float>, _ s: Float, _ dst: UnsafeMutablePointer<Float>, _ accumulate: Bool, _ p: Int) {
    if accumulate { for q in 0..<p { dst[q] += s * x[q] } } else { for q in 0..<p { dst[q] = s * x[q] } }
}
