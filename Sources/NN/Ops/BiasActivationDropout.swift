/// dropout(activation(x + bias)) in one pass over x [..., F] with bias [F]: the feed-forward
/// block's middle, fused so the 2048-wide hidden activations are read and written once in
/// forward and once in backward (with `linear(…, bias: nil)` before it).
public func biasActivationDropout(_ x: Tensor, bias: Tensor, activation: Activation, dropout p: Float,
                                  _ ctx: ForwardContext) -> Tensor {
    let f = x.dim(-1)
    precondition(bias.shape == [f], "biasActivationDropout: bias \(bias.shape) for input \(x.shape)")
    let rows = x.count / max(f, 1)
    let mask = ctx.training && p > 0 ? DropoutMask(count: x.count, p: p, rng: &ctx.rng) : nil
    let rowsPerChunk = max(1, 16384 / max(f, 1))
    let out = Tensor.result(x.shape, [x, bias]) { out in
        let gx: UnsafeMutablePointer<Float>? = x.requiresGrad ? x.grad : nil
        // Each chunk sums its own bias gradient; chunks are added in order (deterministic).
        let partial = Storage(count: Threads.count * f)  // [chunks, F]
        parallelRanges(rows, minimumPerChunk: rowsPerChunk) { chunk, range in
            let dz = UnsafeMutablePointer<Float>.allocate(capacity: f)  // [F] one row of d(pre-activation)
            defer { dz.deallocate() }
            for r in range {
                let o = r * f
                activationBackwardRow(activation, x.data + o, bias.data, out.grad + o, dz, f)
                if let mask { maskRow(dz, mask.keep + o, mask.scale, f) }
                if let gx { addRow(dz, gx + o, f) }
                addRow(dz, partial.pointer + chunk * f, f)
            }
        }
        if bias.requiresGrad { for c in 0..<Threads.count { addRow(partial.pointer + c * f, bias.grad, f) } }
    }
    parallelRanges(rows, minimumPerChunk: rowsPerChunk) { _, range in
        for r in range {
            let o = r * f
            activationForwardRow(activation, x.data + o, bias.data, out.data + o, f)
            if let mask { maskRow(out.data + o, mask.keep + o, mask.scale, f) }
        }
    }
    return out
}

// Row helpers with plain pointer loops, so LLVM vectorises each one.

@inline(__always)
private func activationForwardRow(_ act: Activation, _ x: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
                                  _ y: UnsafeMutablePointer<Float>, _ n: Int) {
    switch act {
    case .gelu: for j in 0..<n { let z = x[j] + b[j]; y[j] = z * normalCDF(z) }
    case .relu: for j in 0..<n { let z = x[j] + b[j]; y[j] = z > 0 ? z : 0 }
    }
}

@inline(__always)
private func activationBackwardRow(_ act: Activation, _ x: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
                                   _ g: UnsafePointer<Float>, _ dz: UnsafeMutablePointer<Float>, _ n: Int) {
    switch act {
    case .gelu: for j in 0..<n { let z = x[j] + b[j]; dz[j] = g[j] * (normalCDF(z) + z * normalPDF(z)) }
    case .relu: for j in 0..<n { dz[j] = x[j] + b[j] > 0 ? g[j] : 0 }
    }
}

@inline(__always)
private func maskRow(_ v: UnsafeMutablePointer<Float>, _ keep: UnsafePointer<UInt8>, _ scale: Float, _ n: Int) {
    for j in 0..<n { v[j] = keep[j] != 0 ? v[j] * scale : 0 }
}

@inline(__always)
private func addRow(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, _ n: Int) {
    for j in 0..<n { dst[j] += src[j] }
}
