import Foundation

// x [..., D], weight [D], bias [D] → y [..., D]; saves mean, rstd [rows]
/// Layer normalisation over the last dimension (biased variance, as PyTorch):
/// y = (x − mean)/√(var + eps) · weight + bias. x [..., D], weight and bias [D].
public func layerNorm(_ x: Tensor, weight: Tensor, bias: Tensor, eps: Float = 1e-5) -> Tensor {
    let d = x.dim(-1)
    precondition(weight.shape == [d] && bias.shape == [d], "layerNorm: x \(x.shape), weight \(weight.shape), bias \(bias.shape)")
    let rows = x.count / max(d, 1)
    let mean = Storage(count: rows), rstd = Storage(count: rows)  // [rows] saved for backward
    let rowsPerChunk = max(1, 8192 / max(d, 1))
    let out = Tensor.output(x.shape)
    parallelRanges(rows, minimumPerChunk: rowsPerChunk) { _, r in
        let o = r.lowerBound * d
        layerNormForward(x: x.data + o, weight: weight.data, bias: bias.data, eps: eps, rows: r.count, d: d,
                         y: out.data + o, mean: mean.pointer + r.lowerBound, rstd: rstd.pointer + r.lowerBound)
    }
    return out.recorded(from: [x, weight, bias]) { out in
        // Row chunks in parallel; each sums its own weight/bias gradients, added in order.
        let partial = Storage(count: Threads.count * 2 * d)  // [chunks, 2, D]
        let dx = x.requiresGrad ? x.gradForWriting() : nil
        parallelRanges(rows, minimumPerChunk: rowsPerChunk) { c, r in
            let o = r.lowerBound * d
            layerNormBackward(x: x.data + o, dy: out.grad + o, weight: weight.data, mean: mean.pointer + r.lowerBound,
                              rstd: rstd.pointer + r.lowerBound, rows: r.count, d: d, dx: dx.map { $0.pointer + o },
                              accumulateDx: dx?.accumulate ?? true,
                              dWeight: partial.pointer + 2 * c * d, dBias: partial.pointer + (2 * c + 1) * d)
        }
        for c in 0..<Threads.count {
            if weight.requiresGrad { for j in 0..<d { weight.grad[j] += partial.pointer[2 * c * d + j] } }
            if bias.requiresGrad { for j in 0..<d { bias.grad[j] += partial.pointer[(2 * c + 1) * d + j] } }
        }
    }
}

func layerNormForward(x: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>, eps: Float,
                      rows: Int, d: Int, y: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>,
                      rstd: UnsafeMutablePointer<Float>) {
    for r in 0..<rows {
        let xr = x + r * d, yr = y + r * d
        let mu = vsum(xr, d) / Float(d)
        // Two passes: the variance of centred values does not cancel catastrophically.
        for j in 0..<d { yr[j] = xr[j] - mu }
        let v = vdot(yr, yr, d) / Float(d)
        let rs = 1 / (v + eps).squareRoot()
        for j in 0..<d { yr[j] = yr[j] * rs * weight[j] + bias[j] }
        mean[r] = mu
        rstd[r] = rs
    }
}

func layerNormBackward(x: UnsafePointer<Float>, dy: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                       mean: UnsafePointer<Float>, rstd: UnsafePointer<Float>, rows: Int, d: Int,
                       dx: UnsafeMutablePointer<Float>?, accumulateDx: Bool = true, dWeight: UnsafeMutablePointer<Float>?,
                       dBias: UnsafeMutablePointer<Float>?) {
    let xhat = UnsafeMutablePointer<Float>.allocate(capacity: d)   // [D] one row
    let dxhat = UnsafeMutablePointer<Float>.allocate(capacity: d)  // [D]
    defer { xhat.deallocate(); dxhat.deallocate() }
    for r in 0..<rows {
        let xr = x + r * d, dyr = dy + r * d
        let mu = mean[r], rs = rstd[r]
        for j in 0..<d { xhat[j] = (xr[j] - mu) * rs; dxhat[j] = dyr[j] * weight[j] }
        if let dWeight { for j in 0..<d { dWeight[j] += dyr[j] * xhat[j] } }
        if let dBias { for j in 0..<d { dBias[j] += dyr[j] } }
        if let dx {
            let m1 = vsum(dxhat, d) / Float(d)
            let m2 = vdot(dxhat, xhat, d) / Float(d)
            let dxr = dx + r * d
            if accumulateDx { for j in 0..<d { dxr[j] += rs * (dxhat[j] - m1 - xhat[j] * m2) } }
            else { for j in 0..<d { dxr[j] = rs * (dxhat[j] - m1 - xhat[j] * m2) } }
        }
    }
}

/// Plain Double reference of layer norm's forward and input/parameter gradients for one
/// upstream gradient `dy`.
func referenceLayerNorm(x: [Float], weight: [Float], bias: [Float], dy: [Float], d: Int, eps: Double = 1e-5)
    -> (y: [Double], dx: [Double], dWeight: [Double], dBias: [Double]) {
    let rows = x.count / d
    var y = [Double](repeating: 0, count: x.count), dx = y
    var dW = [Double](repeating: 0, count: d), dB = dW
    for r in 0..<rows {
        let xr = (0..<d).map { Double(x[r * d + $0]) }
        let mu = xr.reduce(0, +) / Double(d)
        let v = xr.map { ($0 - mu) * ($0 - mu) }.reduce(0, +) / Double(d)
        let rs = 1 / (v + eps).squareRoot()
        let xh = xr.map { ($0 - mu) * rs }
        let g = (0..<d).map { Double(dy[r * d + $0]) * Double(weight[$0]) }
        let m1 = g.reduce(0, +) / Double(d)
        let m2 = zip(g, xh).map { $0 * $1 }.reduce(0, +) / Double(d)
        for j in 0..<d {
            y[r * d + j] = xh[j] * Double(weight[j]) + Double(bias[j])
            dx[r * d + j] = rs * (g[j] - m1 - xh[j] * m2)
            dW[j] += Double(dy[r * d + j]) * xh[j]
            dB[j] += Double(dy[r * d + j])
        }
    }
    return (y, dx, dW, dB)
}
