import Foundation

// features [B, N, N, F], nodeCounts [B] → y [B, N, N, O]
/// The pair context's whole per-pair network as one op, run item by item on the item's real
/// pairs (its first `nodeCounts[b]` nodes, a compact [n, n] grid):
///   e  = GELU(x · projᵀ + b)                       [n, n, P]
///   ac = e · triangleᵀ + b                         [n, n, 2P]  (a = ac[..., :P], c = ac[..., P:])
///   t[i, j] = (1/n) Σ_k a[i, k] ⊙ c[k, j]           [n, n, P]
///   e' = e + GELU(t · outᵀ + b)                    [n, n, P]
///   y  = e' · headᵀ + b                            [n, n, O]   (0 at padded pairs)
/// The same as the layer-by-layer ops in the packed layout up to rounding, but each item's
/// intermediates stay in the core's cache: the layer-by-layer path streams every [B, N, N, 32]
/// intermediate through memory (10 MB each at N = 50, B = 32) several times per step, and
/// that memory traffic, not arithmetic, was its cost. Nothing but y is kept for backward:
/// the backward recomputes an item's forward in cache before propagating through it.
/// Items go to whichever thread is free, costliest first, and each item's weight gradients are
/// summed in item order, so results do not depend on which thread ran which item.
/// An item whose features are bit for bit the previous item's (same node count) is not run
/// again: the mixed stream's items of one SCM share its context, so 4 items in a row have the
/// same pair features, and an evaluation batch's items are rows of one dataset. Its output is
/// copied; in backward its output gradient is added to the first one's before the one backward
/// (the same gradient up to the order of float additions).
/// The weights are `Linear` layouts ([out, in]) with biases; x is data (no gradient).
public func pairNetwork(_ x: Tensor, nodeCounts: [Int], proj: (weight: Tensor, bias: Tensor),
                        triangle: (weight: Tensor, bias: Tensor), out: (weight: Tensor, bias: Tensor),
                        head: (weight: Tensor, bias: Tensor)) -> Tensor {
    let (b, n, f) = (x.dim(0), x.dim(1), x.dim(3))
    let (p, o) = (proj.weight.dim(0), head.weight.dim(0))
    precondition(x.rank == 4 && x.dim(2) == n && nodeCounts.count == b && nodeCounts.allSatisfy { $0 >= 0 && $0 <= n },
                 "pairNetwork: x \(x.shape) with node counts \(nodeCounts)")
    precondition(proj.weight.shape == [p, f] && triangle.weight.shape == [2 * p, p] && out.weight.shape == [p, p]
                 && head.weight.shape == [o, p], "pairNetwork: weights do not chain from \(f) features")
    precondition(!x.requiresGrad, "pairNetwork: the pair features are data; no gradient flows into them")
    let net = PairNetworkWeights(proj: proj, triangle: triangle, out: out, head: head)
    let y = Tensor.output([b, n, n, o], storage: Storage(count: b * n * n * o))  // zeros at padded pairs
    let plan = ItemPlan(nodeCounts, features: x.data, itemSize: n * n * f)
    /// Runs `body` on every distinct item with real nodes, after its forward (in its own buffers).
    func forEachItem(slopes: Bool, _ body: (Int, PairItem) -> Void) {
        plan.run { item in
            let w = PairItem(n: nodeCounts[item], f: f, p: p, o: o)
            defer { w.free() }
            w.gatherFeatures(x.data + item * n * n * f, gridWidth: n)
            w.forward(net, slopes: slopes)
            body(item, w)
        }
    }
    forEachItem(slopes: false) { item, w in
        let m = w.n
        for copy in plan.members[item] {
            for i in 0..<m {  // y[copy, i, j] for j < m
                (y.data + ((copy * n + i) * n) * o).update(from: w.y + i * m * o, count: m * o)
            }
        }
    }
    let params = net.parameters
    return y.recorded(from: params) { y in
        let g = UnsafePointer(y.grad)  // [B, N, N, O]
        let total = net.gradientCount
        let slots = Storage(count: b * total)  // [B, Σ parameter sizes] each item's weight gradients
        forEachItem(slopes: true) { item, w in
            let m = w.n
            for i in 0..<m { (w.gy + i * m * o).update(from: g + ((item * n + i) * n) * o, count: m * o) }
            for copy in plan.members[item].dropFirst() {
                for i in 0..<m { addRow(g + ((copy * n + i) * n) * o, w.gy + i * m * o, m * o) }
            }
            w.backward(net, gradients: slots.pointer + item * total)
        }
        var offset = 0
        for t in params {
            if t.requiresGrad {
                let dst = t.grad
                for item in plan.order.sorted() { addRow(slots.pointer + item * total + offset, dst, t.count) }
            }
            offset += t.count
        }
    }
}

/// The eight parameters in the order their gradients are laid out in an item's slot.
private struct PairNetworkWeights {
    let projW: Tensor, projB: Tensor, triW: Tensor, triB: Tensor, outW: Tensor, outB: Tensor, headW: Tensor, headB: Tensor

    init(proj: (weight: Tensor, bias: Tensor), triangle: (weight: Tensor, bias: Tensor), out: (weight: Tensor, bias: Tensor),
         head: (weight: Tensor, bias: Tensor)) {
        (projW, projB, triW, triB) = (proj.weight, proj.bias, triangle.weight, triangle.bias)
        (outW, outB, headW, headB) = (out.weight, out.bias, head.weight, head.bias)
        (projT, triT, outT) = (transposed(projW), transposed(triW), transposed(outW))
    }

    /// proj, triangle and out weights transposed ([in, out] row-major), for `smallGemm`.
    let projT: Storage, triT: Storage, outT: Storage

    var parameters: [Tensor] { [projW, projB, triW, triB, outW, outB, headW, headB] }
    var gradientCount: Int { parameters.reduce(0) { $0 + $1.count } }
}

/// Items to threads, largest first, each taken by whichever thread is free next. A fixed
/// assignment by cost stalled whenever the data producer preempted one of the two compute
/// threads (the other finished its list and waited); taking items from a shared counter lets
/// the running thread absorb that. Which thread runs an item does not change its results.
private struct ItemPlan {
    let order: [Int]      // distinct items with real nodes, costliest first (ties by index)
    let members: [[Int]]  // [B] the items a distinct item stands for (itself first); [] for the others

    /// features [B, itemSize]: an item equal to the distinct item before it joins that one.
    init(_ nodeCounts: [Int], features: UnsafePointer<Float>, itemSize: Int) {
        var members = [[Int]](repeating: [], count: nodeCounts.count)
        var last: Int? = nil
        for item in nodeCounts.indices where nodeCounts[item] > 0 {
            if let l = last, nodeCounts[l] == nodeCounts[item],
               memcmp(features + l * itemSize, features + item * itemSize, itemSize * MemoryLayout<Float>.size) == 0 {
                members[l].append(item)
            } else {
                members[item] = [item]
                last = item
            }
        }
        self.members = members
        order = nodeCounts.indices.filter { !members[$0].isEmpty }
            .sorted { (nodeCounts[$0], -$0) > (nodeCounts[$1], -$1) }
    }

    func run(_ body: (Int) -> Void) { parallelFor(order.count) { body(order[$0]) } }
}

/// One item's buffers on its compact [n, n] grid (M = n² rows) and its forward and backward.
private struct PairItem {
    let n: Int, f: Int, p: Int, o: Int
    var m: Int { n * n }
    let x: UnsafeMutablePointer<Float>    // [M, F] features
    let z1: UnsafeMutablePointer<Float>   // [M, P] proj pre-activation (bias added)
    let e: UnsafeMutablePointer<Float>    // [M, P] GELU(z1)
    let ac: UnsafeMutablePointer<Float>   // [M, 2P]; in backward, its gradient
    let z2: UnsafeMutablePointer<Float>   // [M, P] out pre-activation (bias added)
    let e2: UnsafeMutablePointer<Float>   // [M, P] e + GELU(z2)
    let t: UnsafeMutablePointer<Float>    // [M, P] triangle product
    let y: UnsafeMutablePointer<Float>    // [M, O]
    let gy: UnsafeMutablePointer<Float>   // [M, O]
    let g2: UnsafeMutablePointer<Float>   // [M, P] gradient of e2, then of e
    let gz: UnsafeMutablePointer<Float>   // [M, P] gradient of z2, then of z1
    let gt: UnsafeMutablePointer<Float>   // [M, P] gradient of t
    let s1: UnsafeMutablePointer<Float>   // [M, P] GELU′(z1), when the forward is recomputed for backward
    let s2: UnsafeMutablePointer<Float>   // [M, P] GELU′(z2)
    let triangle: TriangleWorkspace       // a' = a / n and c' = c, [n, n, P] each
    let scales: UnsafeMutablePointer<Float>  // [2, M] 1/n and 1: the product's scales for its backward

    init(n: Int, f: Int, p: Int, o: Int) {
        (self.n, self.f, self.p, self.o) = (n, f, p, o)
        let m = n * n
        x = .allocate(capacity: m * f)
        (z1, e, z2, e2, t) = (.allocate(capacity: m * p), .allocate(capacity: m * p), .allocate(capacity: m * p),
                              .allocate(capacity: m * p), .allocate(capacity: m * p))
        (g2, gz, gt, s1, s2) = (.allocate(capacity: m * p), .allocate(capacity: m * p), .allocate(capacity: m * p),
                                .allocate(capacity: m * p), .allocate(capacity: m * p))
        ac = .allocate(capacity: m * 2 * p)
        (y, gy) = (.allocate(capacity: max(m * o, 1)), .allocate(capacity: max(m * o, 1)))
        triangle = TriangleWorkspace(n: n, p: p)
        scales = .allocate(capacity: 2 * m)
        scales.update(repeating: 1 / Float(n), count: m)
        (scales + m).update(repeating: 1, count: m)
    }

    func free() {
        for buffer in [x, z1, e, ac, z2, e2, t, y, gy, g2, gz, gt, s1, s2, scales] { buffer.deallocate() }
        triangle.free()
    }

    /// x's rows i < n, columns j < n of an item's [N, N, F] grid, compacted.
    func gatherFeatures(_ grid: UnsafePointer<Float>, gridWidth w: Int) {
        for i in 0..<n { (x + i * n * f).update(from: grid + i * w * f, count: n * f) }
    }

    /// `slopes`: also GELU′ of both pre-activations into s1, s2 (the backward's recompute: Φ
    /// and φ share one evaluation).
    func forward(_ net: PairNetworkWeights, slopes: Bool = false) {
        linearRows(x, f, net.projW, net.projT, net.projB, into: z1, p)
        geluRow(z1, bias: nil, e, slope: slopes ? s1 : nil, m * p)
        linearRows(e, p, net.triW, net.triT, net.triB, into: ac, 2 * p)
        for r in 0..<m {  // a' = a / n, c' = c: the mean over k of the triangle update
            scaledRow(ac + r * 2 * p, 1 / Float(n), into: triangle.a + r * p, p)
            (triangle.c + r * p).update(from: ac + r * 2 * p + p, count: p)
        }
        triangle.forward(into: t, span: n)
        linearRows(t, p, net.outW, net.outT, net.outB, into: z2, p)
        geluRow(z2, bias: nil, e2, slope: slopes ? s2 : nil, m * p)
        addRow(e, e2, m * p)
        linearRows(e2, p, net.headW, nil, net.headB, into: y, o)
    }

    // gy [M, O] → parameter gradients, written (not added) into `grads` in `parameters` order
    func backward(_ net: PairNetworkWeights, gradients grads: UnsafeMutablePointer<Float>) {
        let gProjW = grads, gProjB = gProjW + p * f
        let gTriW = gProjB + p, gTriB = gTriW + 2 * p * p
        let gOutW = gTriB + 2 * p, gOutB = gOutW + p * p
        let gHeadW = gOutB + p, gHeadB = gHeadW + o * p
        // y = e2 · headᵀ + b
        weightGradient(gy, o, e2, p, into: gHeadW, gHeadB)
        product(gy, o, net.headW, into: g2, p, accumulate: false)  // g2 = ∂e2
        // e2 = e + GELU(z2); z2 = t · outᵀ + b
        elementwiseProduct(g2, s2, into: gz, m * p)
        weightGradient(gz, p, t, p, into: gOutW, gOutB)
        product(gz, p, net.outW, into: gt, p, accumulate: false)
        // t = triangle(a / n, c), ac = e · triangleᵀ + b
        triangle.backward(gt, span: n, aScale: scales, cScale: scales + m, into: ac, accumulate: false)
        weightGradient(ac, 2 * p, e, p, into: gTriW, gTriB)
        product(ac, 2 * p, net.triW, into: g2, p, accumulate: true)  // g2 = ∂e
        // e = GELU(z1); z1 = x · projᵀ + b
        elementwiseProduct(g2, s1, into: gz, m * p)
        weightGradient(gz, p, x, f, into: gProjW, gProjB)
    }

    // x [M, K], weight [O, K] (transposed [K, O]), bias [O] → y [M, O]
    private func linearRows(_ x: UnsafePointer<Float>, _ k: Int, _ weight: Tensor, _ transposed: Storage?, _ bias: Tensor,
                            into y: UnsafeMutablePointer<Float>, _ outputs: Int) {
        if let transposed, outputs % 32 == 0 {
            smallGemm(m: m, kin: k, kout: outputs, x: x, ldx: k, b: transposed.pointer, y: y, ldy: outputs, accumulate: false)
        } else {
            sgemmSerial(transB: true, m: m, n: outputs, k: k, a: x, lda: k, b: weight.data, ldb: k, c: y, ldc: outputs)
        }
        for r in 0..<m { addRow(bias.data, y + r * outputs, outputs) }
    }

    // g [M, O], weight [O, K] → y [M, K] = g · weight (or y += …)
    private func product(_ g: UnsafePointer<Float>, _ outputs: Int, _ weight: Tensor, into y: UnsafeMutablePointer<Float>,
                         _ k: Int, accumulate: Bool) {
        if k % 32 == 0 {
            smallGemm(m: m, kin: outputs, kout: k, x: g, ldx: outputs, b: weight.data, y: y, ldy: k, accumulate: accumulate)
        } else {
            sgemmSerial(m: m, n: k, k: outputs, a: g, lda: outputs, b: weight.data, ldb: k, beta: accumulate ? 1 : 0, c: y, ldc: k)
        }
    }

    // g [M, O], x [M, K] → weight gradient [O, K] = gᵀ · x, bias gradient [O] = Σ_rows g
    private func weightGradient(_ g: UnsafePointer<Float>, _ outputs: Int, _ x: UnsafePointer<Float>, _ k: Int,
                                into gw: UnsafeMutablePointer<Float>, _ gb: UnsafeMutablePointer<Float>) {
        if outputs % 8 == 0 && k % 32 == 0 {
            smallGemmTransposedLeft(m: m, o: outputs, k: k, g: g, ldg: outputs, x: x, ldx: k, w: gw)
        } else {
            sgemmSerial(transA: true, m: outputs, n: k, k: m, a: g, lda: outputs, b: x, ldb: k, c: gw, ldc: k)
        }
        gb.update(repeating: 0, count: outputs)
        for r in 0..<m { addRow(g + r * outputs, gb, outputs) }
    }
}

/// w [O, I] → [I, O] row-major.
private func transposed(_ w: Tensor) -> Storage {
    let (o, i) = (w.dim(0), w.dim(1))
    let t = Storage(uninitializedCount: o * i)
    for r in 0..<o { for c in 0..<i { t.pointer[c * o + r] = w.data[r * i + c] } }
    return t
}

// Plain loops over pointers (no index arithmetic inside), so LLVM vectorises each one.

/// y = s · x.
private func scaledRow(_ x: UnsafePointer<Float>, _ s: Float, into y: UnsafeMutablePointer<Float>, _ count: Int) {
    for i in 0..<count { y[i] = s * x[i] }
}

/// z = x ⊙ y.
private func elementwiseProduct(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, into z: UnsafeMutablePointer<Float>, _ count: Int) {
    for i in 0..<count { z[i] = x[i] * y[i] }
}
