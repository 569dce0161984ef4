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
        let work = Workspace(n: n, p: p)
        defer { work.free() }
        for item in items {
            let (e, base) = (spans[item], item * n * n)
            work.scale(ap + base * 2 * p, by: aScale, from: base, into: work.a, span: e)  // a' [N, N, P]
            work.scale(cp + base * 2 * p, by: cScale, from: base, into: work.c, span: e)  // c' [N, N, P]
            let t = tp + base * p
            for i in 0..<n {
                let row = t + i * n * p  // [N, P] t[i, :]
                guard i < e else { row.update(repeating: 0, count: n * p); continue }
                // t[i, j] = Σ_k a'[i, k] ⊙ c'[k, j]
                for j0 in stride(from: 0, to: e, by: 4) {
                    work.products(rows: min(4, e - j0), work.a + i * n * p, p, work.c + j0 * p, n * p, p, e)
                    for r in 0..<min(4, e - j0) { (row + (j0 + r) * p).update(from: work.sums + r * p, count: p) }
                }
                (row + e * p).update(repeating: 0, count: (n - e) * p)
            }
        }
    }
    return out.recorded(from: [ac]) { out in
        let g = UnsafePointer(out.grad)  // [B, N, N, P]
        let (gac, accumulate) = ac.gradForWriting()  // [B, N, N, 2P]
        parallelRanges(b, minimumPerChunk: 1) { _, items in
            let work = Workspace(n: n, p: p)
            defer { work.free() }
            for item in items {
                let (e, base) = (spans[item], item * n * n)
                let gi = g + base * p
                work.scale(ap + base * 2 * p, by: aScale, from: base, into: work.a, span: e)
                work.scale(cp + base * 2 * p, by: cScale, from: base, into: work.c, span: e)
                // ga[i, k] = aScale[i, k] · Σ_j g[i, j] ⊙ c'[k, j]
                for i in 0..<n {
                    for k0 in stride(from: 0, to: n, by: 4) {
                        let rows = min(4, n - k0)
                        if i < e && k0 < e { work.products(rows: min(rows, e - k0), gi + i * n * p, p, work.c + k0 * n * p, p, n * p, e) }
                        for r in 0..<rows {
                            let k = k0 + r, dst = gac + (base + i * n + k) * 2 * p
                            if i < e && k < e { store(work.sums + r * p, aScale[base + i * n + k], dst, accumulate, p) }
                            else if !accumulate { dst.update(repeating: 0, count: p) }
                        }
                    }
                }
                // gc[k, j] = cScale[k, j] · Σ_i a'[i, k] ⊙ g[i, j]
                for k in 0..<n {
                    for j0 in stride(from: 0, to: n, by: 4) {
                        let rows = min(4, n - j0)
                        if k < e && j0 < e { work.products(rows: min(rows, e - j0), work.a + k * p, n * p, gi + j0 * p, n * p, p, e) }
                        for r in 0..<rows {
                            let j = j0 + r, dst = gac + (base + k * n + j) * 2 * p + p
                            if k < e && j < e { store(work.sums + r * p, cScale[base + k * n + j], dst, accumulate, p) }
                            else if !accumulate { dst.update(repeating: 0, count: p) }
                        }
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

/// Scratch of one thread: the scaled operands of one item and one block of sums.
private struct Workspace {
    let n: Int, p: Int
    let a: UnsafeMutablePointer<Float>     // [N, N, P] a' = aScale ⊙ a
    let c: UnsafeMutablePointer<Float>     // [N, N, P] c' = cScale ⊙ c
    let sums: UnsafeMutablePointer<Float>  // [4, P]

    init(n: Int, p: Int) {
        (self.n, self.p) = (n, p)
        a = .allocate(capacity: max(n * n * p, 1))
        c = .allocate(capacity: max(n * n * p, 1))
        sums = .allocate(capacity: 4 * p)
    }

    func free() { a.deallocate(); c.deallocate(); sums.deallocate() }

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

    /// sums[r, :] = Σ_{s < len} x[s·xs ..< +P] ⊙ y[s·ys + r·yr ..< +P] for r < rows (≤ 4).
    /// P = 32 keeps the 4 × 32 sums in registers; other widths take the plain loop.
    @inline(__always)
    func products(rows: Int, _ x: UnsafePointer<Float>, _ xs: Int, _ y: UnsafePointer<Float>, _ ys: Int, _ yr: Int, _ len: Int) {
        if p == 32 && rows == 4 {
            var (s0, s1, s2, s3) = (SIMD16<Float>(), SIMD16<Float>(), SIMD16<Float>(), SIMD16<Float>())
            var (s4, s5, s6, s7) = (SIMD16<Float>(), SIMD16<Float>(), SIMD16<Float>(), SIMD16<Float>())
            for s in 0..<len {
                let xv = x + s * xs, yv = y + s * ys
                let (x0, x1) = (load16(xv), load16(xv + 16))
                s0 += x0 * load16(yv); s1 += x1 * load16(yv + 16)
                s2 += x0 * load16(yv + yr); s3 += x1 * load16(yv + yr + 16)
                s4 += x0 * load16(yv + 2 * yr); s5 += x1 * load16(yv + 2 * yr + 16)
                s6 += x0 * load16(yv + 3 * yr); s7 += x1 * load16(yv + 3 * yr + 16)
            }
            store16(s0, sums); store16(s1, sums + 16); store16(s2, sums + 32); store16(s3, sums + 48)
            store16(s4, sums + 64); store16(s5, sums + 80); store16(s6, sums + 96); store16(s7, sums + 112)
        } else if p == 32 {
            for r in 0..<rows {
                var (s0, s1) = (SIMD16<Float>(), SIMD16<Float>())
                for s in 0..<len {
                    let xv = x + s * xs, yv = y + s * ys + r * yr
                    s0 += load16(xv) * load16(yv); s1 += load16(xv + 16) * load16(yv + 16)
                }
                store16(s0, sums + r * p); store16(s1, sums + r * p + 16)
            }
        } else {
            for r in 0..<rows {
                let out = sums + r * p
                out.update(repeating: 0, count: p)
                for s in 0..<len {
                    let xv = x + s * xs, yv = y + s * ys + r * yr
                    for q in 0..<p { out[q] += xv[q] * yv[q] }
                }
            }
        }
    }
}

@inline(__always)
private func load16(_ p: UnsafePointer<Float>) -> SIMD16<Float> { UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self) }

@inline(__always)
private func store16(_ v: SIMD16<Float>, _ p: UnsafeMutablePointer<Float>) { UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD16<Float>.self) }

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
