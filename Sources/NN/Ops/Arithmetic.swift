// Elementwise arithmetic with broadcasting; backward sums gradients over broadcast dims.

private enum BinaryKind { case add, sub, mul, div }

// a [...], b [...] broadcast together → y [broadcast shape]
private func binary(_ a: Tensor, _ b: Tensor, _ kind: BinaryKind) -> Tensor {
    let bc = Broadcast(a.shape, b.shape)
    let n = bc.shape.reduce(1, *)
    let out = Tensor.output(bc.shape)
    let y = out.data, ap = a.data, bp = b.data
    if bc.paddedA == bc.shape && bc.paddedB == bc.shape {
        parallelRanges(n) { _, r in
            switch kind {
            case .add: for i in r { y[i] = ap[i] + bp[i] }
            case .sub: for i in r { y[i] = ap[i] - bp[i] }
            case .mul: for i in r { y[i] = ap[i] * bp[i] }
            case .div: for i in r { y[i] = ap[i] / bp[i] }
            }
        }
    } else if let (m, bIsBlock) = bc.repeatedBlock, m > 0 {
        parallelRanges(n / m, minimumPerChunk: 4096 / m + 1) { _, rows in
            for row in rows {
                let o = row * m
                let x = bIsBlock ? ap + o : ap, z = bIsBlock ? bp : bp + o, yo = y + o  // this row's a, b, y
                switch kind {
                case .add: for j in 0..<m { yo[j] = x[j] + z[j] }
                case .sub: for j in 0..<m { yo[j] = x[j] - z[j] }
                case .mul: for j in 0..<m { yo[j] = x[j] * z[j] }
                case .div: for j in 0..<m { yo[j] = x[j] / z[j] }
                }
            }
        }
    } else {
        let oa = bc.offsetsA(), ob = bc.offsetsB()
        for i in 0..<n {
            let x = ap[oa?[i] ?? i], z = bp[ob?[i] ?? i]
            switch kind {
            case .add: y[i] = x + z
            case .sub: y[i] = x - z
            case .mul: y[i] = x * z
            case .div: y[i] = x / z
            }
        }
    }
    return out.recorded(from: [a, b]) { out in
        let g = out.grad
        let ap = a.data, bp = b.data
        if bc.paddedA == bc.shape && bc.paddedB == bc.shape {  // same shapes: elementwise, split across the workers
            // A first gradient is stored, not added to a zero-filled buffer (x + x: a's store
            // comes before b's add for every element).
            let ga = a.requiresGrad ? a.gradForWriting() : nil, gb = b.requiresGrad ? b.gradForWriting() : nil
            parallelRanges(n) { _, r in
                if let (ga, accumulate) = ga {
                    switch (kind, accumulate) {
                    case (.add, true), (.sub, true): for i in r { ga[i] += g[i] }
                    case (.add, false), (.sub, false): for i in r { ga[i] = g[i] }
                    case (.mul, true): for i in r { ga[i] += g[i] * bp[i] }
                    case (.mul, false): for i in r { ga[i] = g[i] * bp[i] }
                    case (.div, true): for i in r { ga[i] += g[i] / bp[i] }
                    case (.div, false): for i in r { ga[i] = g[i] / bp[i] }
                    }
                }
                if let (gb, accumulate) = gb {
                    switch (kind, accumulate) {
                    case (.add, true): for i in r { gb[i] += g[i] }
                    case (.add, false): for i in r { gb[i] = g[i] }
                    case (.sub, true): for i in r { gb[i] -= g[i] }
                    case (.sub, false): for i in r { gb[i] = -g[i] }
                    case (.mul, true): for i in r { gb[i] += g[i] * ap[i] }
                    case (.mul, false): for i in r { gb[i] = g[i] * ap[i] }
                    case (.div, true): for i in r { gb[i] -= g[i] * ap[i] / (bp[i] * bp[i]) }
                    case (.div, false): for i in r { gb[i] = -(g[i] * ap[i] / (bp[i] * bp[i])) }
                    }
                }
            }
            return
        }
        if let (m, bIsBlock) = bc.repeatedBlock, m > 0 {
            // Row by row in order: the block's gradient sums the rows in the order the offset
            // tables below would, so both paths give the same bits.
            let ga = a.requiresGrad ? a.grad : nil, gb = b.requiresGrad ? b.grad : nil
            for row in 0..<(n / m) {
                let o = row * m, go = g + o
                let (ao, bo) = bIsBlock ? (o, 0) : (0, o)  // this row's offsets into a and b
                let x = ap + ao, z = bp + bo
                if let ga {
                    let d = ga + ao
                    switch kind {
                    case .add, .sub: for j in 0..<m { d[j] += go[j] }
                    case .mul: for j in 0..<m { d[j] += go[j] * z[j] }
                    case .div: for j in 0..<m { d[j] += go[j] / z[j] }
                    }
                }
                if let gb {
                    let d = gb + bo
                    switch kind {
                    case .add: for j in 0..<m { d[j] += go[j] }
                    case .sub: for j in 0..<m { d[j] -= go[j] }
                    case .mul: for j in 0..<m { d[j] += go[j] * x[j] }
                    case .div: for j in 0..<m { d[j] -= go[j] * x[j] / (z[j] * z[j]) }
                    }
                }
            }
            return
        }
        let oa = bc.offsetsA(), ob = bc.offsetsB()
        if a.requiresGrad {
            let ga = a.grad
            for i in 0..<n {
                let ia = oa?[i] ?? i, ib = ob?[i] ?? i
                switch kind {
                case .add, .sub: ga[ia] += g[i]
                case .mul: ga[ia] += g[i] * bp[ib]
                case .div: ga[ia] += g[i] / bp[ib]
                }
            }
        }
        if b.requiresGrad {
            let gb = b.grad
            for i in 0..<n {
                let ia = oa?[i] ?? i, ib = ob?[i] ?? i
                switch kind {
                case .add: gb[ib] += g[i]
                case .sub: gb[ib] -= g[i]
                case .mul: gb[ib] += g[i] * ap[ia]
                case .div: gb[ib] -= g[i] * ap[ia] / (bp[ib] * bp[ib])
                }
            }
        }
    }
}

// x [...] → y [...]
/// y = a·x + b elementwise with constants.
public func affine(_ x: Tensor, scale: Float, shift: Float = 0) -> Tensor {
    let n = x.count
    let out = Tensor.output(x.shape)
    let y = out.data, xp = x.data
    for i in 0..<n { y[i] = scale * xp[i] + shift }
    return out.recorded(from: [x]) { out in
        let g = out.grad, gx = x.grad
        for i in 0..<n { gx[i] += scale * g[i] }
    }
}

// x [R, C] (any leading shape, R rows), scales [R] → y [R, C]
/// x [..., C] with each row (a vector along the last axis) multiplied by a constant:
/// y[r, c] = x[r, c]·scales[r] (a padding mask, 1/count). The generic broadcast product does
/// the same through per-element offset tables, several times slower on pair tensors.
public func scaledRows(_ x: Tensor, by scales: [Float]) -> Tensor {
    let cols = x.shape.last ?? 1, rows = scales.count
    precondition(rows * cols == x.count, "scaledRows: \(rows) scales for a tensor of shape \(x.shape)")
    let out = Tensor.output(x.shape)
    let y = out.data, xp = x.data
    parallelRanges(rows, minimumPerChunk: 4096 / max(cols, 1) + 1) { _, range in
        for r in range {
            let s = scales[r]
            for c in 0..<cols { y[r * cols + c] = s * xp[r * cols + c] }
        }
    }
    return out.recorded(from: [x]) { out in
        let g = out.grad, gx = x.grad
        parallelRanges(rows, minimumPerChunk: 4096 / max(cols, 1) + 1) { _, range in
            for r in range where scales[r] != 0 {
                let s = scales[r]
                for c in 0..<cols { gx[r * cols + c] += s * g[r * cols + c] }
            }
        }
    }
}

public func + (a: Tensor, b: Tensor) -> Tensor { binary(a, b, .add) }
public func - (a: Tensor, b: Tensor) -> Tensor { binary(a, b, .sub) }
public func * (a: Tensor, b: Tensor) -> Tensor { binary(a, b, .mul) }
public func / (a: Tensor, b: Tensor) -> Tensor { binary(a, b, .div) }
public func * (a: Tensor, s: Float) -> Tensor { affine(a, scale: s) }
public func * (s: Float, a: Tensor) -> Tensor { affine(a, scale: s) }
public func + (a: Tensor, s: Float) -> Tensor { affine(a, scale: 1, shift: s) }
public func - (a: Tensor, s: Float) -> Tensor { affine(a, scale: 1, shift: -s) }
public func - (s: Float, a: Tensor) -> Tensor { affine(a, scale: -1, shift: s) }
public prefix func - (a: Tensor) -> Tensor { affine(a, scale: -1) }
