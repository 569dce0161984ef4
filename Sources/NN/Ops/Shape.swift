// Shape ops: reshape (shares storage), permute/transpose, concat/stack, narrow, gather.

import CKernels

extension Tensor {
    // x [...] → y [newShape], same storage
    /// The same values with another shape (one dimension may be −1). Shares storage.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        var s = newShape
        if let i = s.firstIndex(of: -1) {
            let known = s.enumerated().filter { $0.offset != i }.map(\.element).reduce(1, *)
            s[i] = known == 0 ? 0 : count / known
        }
        precondition(s.reduce(1, *) == count, "cannot reshape \(shape) to \(newShape)")
        let x = self
        return Tensor.result(s, [x], storage: storage) { out in
            let g = out.grad, gx = x.grad
            for i in 0..<x.count { gx[i] += g[i] }
        }
    }

    /// When `perm` keeps the leading axes and swaps the two blocks of axes after them
    /// ([B, R…, C…] → [B, C…, R…], e.g. channels-last ↔ channels-first), the sizes (B, R, C) of
    /// that batched 2-D transpose.
    func batchedTranspose(_ perm: [Int]) -> (Int, Int, Int)? {
        guard let k = perm.indices.first(where: { perm[$0] != $0 }) else { return nil }
        let split = perm[k]  // the C block starts at input axis `split`
        let expected = Array(0..<k) + Array(split..<rank) + Array(k..<split)
        guard perm == expected else { return nil }
        let outer = shape[0..<k].reduce(1, *), rows = shape[k..<split].reduce(1, *), cols = shape[split...].reduce(1, *)
        return (outer, rows, cols)
    }

    // x [outer, rows, cols] → y [outer, cols, rows]
    /// The batched transpose [outer, rows, cols] → [outer, cols, rows], in cache-sized tiles.
    func transposedBlocks(outer: Int, rows: Int, cols: Int, perm: [Int]) -> Tensor {
        let x = self
        let out = Tensor.output(perm.map { shape[$0] })
        transposeTiles(data, into: out.data, outer: outer, rows: rows, cols: cols, accumulate: false)
        return out.recorded(from: [x]) { out in
            transposeTiles(out.grad, into: x.grad, outer: outer, rows: cols, cols: rows, accumulate: true)
        }
    }

    // x [d₀, …] → y [d_perm[0], …]
    /// Dimensions reordered: result dimension i is input dimension perm[i].
    public func permuted(_ perm: [Int]) -> Tensor {
        precondition(perm.sorted() == Array(0..<rank), "permutation \(perm) for rank \(rank)")
        if let (outer, rows, cols) = batchedTranspose(perm) { return transposedBlocks(outer: outer, rows: rows, cols: cols, perm: perm) }
        let outShape = perm.map { shape[$0] }
        var inStrides = [Int](repeating: 1, count: rank)
        for i in stride(from: rank - 2, through: 0, by: -1) { inStrides[i] = inStrides[i + 1] * shape[i + 1] }
        var offsets = [Int](repeating: 0, count: count)
        var idx = [Int](repeating: 0, count: rank)
        for e in 0..<count {
            var off = 0
            for d in 0..<rank { off += idx[d] * inStrides[perm[d]] }
            offsets[e] = off
            var d = rank - 1
            while d >= 0 { idx[d] += 1; if idx[d] < outShape[d] { break }; idx[d] = 0; d -= 1 }
        }
        let x = self
        let out = Tensor.output(outShape)
        for e in 0..<count { out.data[e] = data[offsets[e]] }
        return out.recorded(from: [x]) { out in
            let g = out.grad, gx = x.grad
            for e in 0..<x.count { gx[offsets[e]] += g[e] }
        }
    }

    /// Swaps the last two dimensions.
    public func transposedLastTwo() -> Tensor {
        var p = Array(0..<rank)
        p.swapAt(rank - 1, rank - 2)
        return permuted(p)
    }

    // x [..., n, ...] → y [..., length, ...]
    /// `length` entries of dimension `axis` starting at `start`.
    public func narrowed(axis: Int, start: Int, length: Int) -> Tensor {
        let ax = axis < 0 ? rank + axis : axis
        precondition(start >= 0 && length >= 0 && start + length <= shape[ax],
                     "narrow \(start)..<\(start + length) of dimension \(ax) with size \(shape[ax])")
        let outer = shape[..<ax].reduce(1, *), inner = shape[(ax + 1)...].reduce(1, *)
        let n = shape[ax]
        var outShape = shape
        outShape[ax] = length
        let x = self
        let out = Tensor.output(outShape)
        for o in 0..<outer {
            out.data.advanced(by: o * length * inner).update(from: data + (o * n + start) * inner, count: length * inner)
        }
        return out.recorded(from: [x]) { out in
            let g = out.grad, gx = x.grad
            for o in 0..<outer {
                let src = g + o * length * inner, dst = gx + (o * n + start) * inner
                for j in 0..<(length * inner) { dst[j] += src[j] }
            }
        }
    }

    // x [V, ...] → y [indices.count, ...]
    /// Rows `indices` of dimension 0 (an embedding lookup): [V, ...] → [indices.count, ...].
    public func gatherRows(_ indices: [Int]) -> Tensor {
        let inner = count / Swift.max(shape[0], 1)
        for i in indices { precondition(i >= 0 && i < shape[0], "row index \(i) out of range 0..<\(shape[0])") }
        let x = self
        let out = Tensor.output([indices.count] + shape.dropFirst())
        for (r, i) in indices.enumerated() { out.data.advanced(by: r * inner).update(from: data + i * inner, count: inner) }
        return out.recorded(from: [x]) { out in
            let g = out.grad, gx = x.grad
            for (r, i) in indices.enumerated() { for j in 0..<inner { gx[i * inner + j] += g[r * inner + j] } }
        }
    }
}

extension Tensor {
    // x [indices.count, ...] → y [rows, ...], zeros elsewhere
    /// The inverse of `gatherRows`: [rows, ...] with row r of `self` at `indices[r]` and zeros
    /// in every other row (indices distinct).
    public func scatterRows(_ indices: [Int], rows: Int) -> Tensor {
        precondition(indices.count == shape[0], "scatterRows: \(indices.count) indices for \(shape[0]) rows")
        let inner = count / Swift.max(shape[0], 1)
        for i in indices { precondition(i >= 0 && i < rows, "row index \(i) out of range 0..<\(rows)") }
        let x = self
        let out = Tensor.output([rows] + shape.dropFirst(), storage: Storage(count: rows * inner))
        for (r, i) in indices.enumerated() { out.data.advanced(by: i * inner).update(from: data + r * inner, count: inner) }
        return out.recorded(from: [x]) { out in
            let g = out.grad, gx = x.grad
            for (r, i) in indices.enumerated() { for j in 0..<inner { gx[r * inner + j] += g[i * inner + j] } }
        }
    }
}

// tensors [..., nᵢ, ...] → y [..., Σnᵢ, ...]
/// Concatenation along `axis` (all other dimensions equal).
public func concat(_ tensors: [Tensor], axis: Int) -> Tensor {
    precondition(!tensors.isEmpty, "concat of no tensors")
    let first = tensors[0]
    let ax = axis < 0 ? first.rank + axis : axis
    for t in tensors {
        precondition(t.rank == first.rank && (0..<t.rank).allSatisfy { $0 == ax || t.shape[$0] == first.shape[$0] },
                     "concat along \(ax): shapes \(tensors.map(\.shape)) differ off that axis")
    }
    let outer = first.shape[..<ax].reduce(1, *), inner = first.shape[(ax + 1)...].reduce(1, *)
    let sizes = tensors.map { $0.shape[ax] }
    let total = sizes.reduce(0, +)
    var outShape = first.shape
    outShape[ax] = total
    let out = Tensor.output(outShape)
    var start = 0
    for (t, n) in zip(tensors, sizes) {
        for o in 0..<outer {
            out.data.advanced(by: (o * total + start) * inner).update(from: t.data + o * n * inner, count: n * inner)
        }
        start += n
    }
    return out.recorded(from: tensors) { out in
        let g = out.grad
        var start = 0
        for (t, n) in zip(tensors, sizes) {
            if t.requiresGrad {
                let gt = t.grad
                for o in 0..<outer {
                    let src = g + (o * total + start) * inner, dst = gt + o * n * inner
                    for j in 0..<(n * inner) { dst[j] += src[j] }
                }
            }
            start += n
        }
    }
}

/// Stacks equal-shaped tensors along a new dimension `axis`.
public func stack(_ tensors: [Tensor], axis: Int) -> Tensor {
    precondition(!tensors.isEmpty, "stack of no tensors")
    let s = tensors[0].shape
    let ax = axis < 0 ? s.count + 1 + axis : axis
    for t in tensors { precondition(t.shape == s, "stack: shapes \(tensors.map(\.shape)) differ") }
    var unsq = s
    unsq.insert(1, at: ax)
    return concat(tensors.map { $0.reshaped(unsq) }, axis: ax)
}

/// dst[o, c, r] (+)= src[o, r, c] for [outer, rows, cols] → [outer, cols, rows]: one
/// `pfn_transpose` (16×16 AVX-512 blocks) per outer item, items split across the workers.
func transposeTiles(_ src: UnsafePointer<Float>, into dst: UnsafeMutablePointer<Float>, outer: Int, rows: Int, cols: Int,
                    accumulate: Bool) {
    parallelRanges(outer, minimumPerChunk: max(1, 65536 / max(rows * cols, 1))) { _, range in
        for o in range {
            pfn_transpose(src + o * rows * cols, dst + o * rows * cols, rows, cols, accumulate ? 1 : 0)
        }
    }
}
