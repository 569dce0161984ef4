import Randomness

// x [..., F], bias [F] → y [..., F]; saves the GELU slope [..., F] when recording
/// dropout(activation(x + bias)) in one pass over x [..., F] with bias [F]: the feed-forward
/// block's middle, fused so the 2048-wide hidden activations are read and written once in
/// forward and once in backward (with `linear(…, bias: nil)` before it).
public func biasActivationDropout(_ x: Tensor, bias: Tensor, activation: Activation, dropout p: Float,
                                  _ ctx: ForwardContext) -> Tensor {
    let f = x.dim(-1)
    precondition(bias.shape == [f], "biasActivationDropout: bias \(bias.shape) for input \(x.shape)")
    let rows = x.count / max(f, 1)
    let mask = ctx.training && p > 0 ? DropoutMask(p: p, rng: &ctx.rng) : nil
    let rowsPerChunk = max(1, 16384 / max(f, 1))
    // GELU's slope Φ(z) + z·φ(z) costs an erfc and two exps; the forward, which evaluates Φ
    // anyway, stores it (0 where dropped), so the backward is one multiply per element.
    let recording = Tape.isRecording && (x.requiresGrad || bias.requiresGrad)
    let slope = recording && activation == .gelu ? Storage(uninitializedCount: x.count) : nil  // [..., F]
    let out = Tensor.output(x.shape)
    if mask != nil { precondition(x.count <= 1 << 32, "dropout over \(x.count) elements: the mask covers 2³²") }
    parallelRanges(rows, minimumPerChunk: rowsPerChunk) { _, range in
        for r in range {
            let o = r * f
            let y = out.data + o
            switch activation {
            case .gelu:
                geluRow(x.data + o, bias: bias.data, y, slope: slope.map { $0.pointer + o }, dropout: mask, base: o, f)
            case .relu:
                reluRow(x.data + o, bias.data, y, f)
                mask?.apply(y, y, offset: o, n: f)
            }
        }
    }
    return out.recorded(from: [x, bias]) { out in
        let gx = x.requiresGrad ? x.gradForWriting() : nil
        // Each chunk sums its own bias gradient; chunks are added in order (deterministic).
        let partial = Storage(count: Threads.count * f)  // [chunks, F]
        parallelRanges(rows, minimumPerChunk: rowsPerChunk) { chunk, range in
            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: f)  // [F] one row of d(pre-activation)
            defer { scratch.deallocate() }
            for r in range {
                let o = r * f
                // x's first gradient is written in place; otherwise it is added from scratch.
                let dz = gx.map { $0.accumulate ? scratch : $0.pointer + o } ?? scratch
                if let slope {
                    slopeRow(out.grad + o, slope.pointer + o, mask?.scale ?? 1, dz, f)
                } else {
                    reluBackwardRow(x.data + o, bias.data, out.grad + o, dz, f)
                    if let mask { mask.apply(dz, dz, offset: o, n: f) }
                }
                if let gx, gx.accumulate { addRow(dz, gx.pointer + o, f) }
                addRow(dz, partial.pointer + chunk * f, f)
            }
        }
        if bias.requiresGrad { for c in 0..<Threads.count { addRow(partial.pointer + c * f, bias.grad, f) } }
    }
}

// Row helpers with plain pointer loops, so LLVM vectorises each one.

@inline(__always)
private func reluRow(_ x: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
    for j in 0..<n { let z = x[j] + b[j]; y[j] = z > 0 ? z : 0 }
}

/// dz = g · d · scale (the stored slope, 0 where dropped; the product's order as g·GELU′ then the mask's scale).
@inline(__always)
private func slopeRow(_ g: UnsafePointer<Float>, _ d: UnsafePointer<Float>, _ scale: Float,
                      _ dz: UnsafeMutablePointer<Float>, _ n: Int) {
    for j in 0..<n { dz[j] = g[j] * d[j] * scale }
}

@inline(__always)
private func reluBackwardRow(_ x: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ g: UnsafePointer<Float>,
                             _ dz: UnsafeMutablePointer<Float>, _ n: Int) {
    for j in 0..<n { dz[j] = x[j] + b[j] > 0 ? g[j] : 0 }
}

/// dst += src (also the fused pair network's).
@inline(__always)
func addRow(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, _ n: Int) {
    for j in 0..<n { dst[j] += src[j] }
}
