import Foundation

// Losses as PyTorch's functional ones (mean reduction), each with an optional mask of the
// same shape as the prediction: entries with mask 0 (padded nodes) contribute nothing and
// the mean is over Σ mask. The gradient is computed in the same pass as the value.

private func maskedDenominator(_ mask: Tensor?, count: Int) -> Double {
    guard let mask else { return Double(count) }
    var s = 0.0
    for i in 0..<mask.count { s += Double(mask.data[i]) }
    return s
}

private func checkLossShapes(_ name: String, _ pred: Tensor, _ target: Tensor, _ mask: Tensor?) {
    precondition(pred.shape == target.shape, "\(name): prediction \(pred.shape) and target \(target.shape) differ")
    if let mask { precondition(mask.shape == pred.shape, "\(name): mask \(mask.shape) must match prediction \(pred.shape)") }
}

/// A scalar loss whose gradient w.r.t. `pred` was computed with the value (scaled by the
/// upstream gradient in backward).
private func scalarLoss(_ value: Double, pred: Tensor, dPred: Storage) -> Tensor {
    let out = Tensor.output([])
    out.data[0] = Float(value)
    return out.recorded(from: [pred]) { out in
        let g = out.grad[0], gp = pred.grad, dp = dPred.pointer
        for i in 0..<pred.count { gp[i] += g * dp[i] }
    }
}

// pred, target [...] (mask [...]) → loss []
/// Huber loss (`F.huber_loss`, mean): ½d² for |d| < delta, else delta·(|d| − ½delta).
public func huberLoss(_ pred: Tensor, _ target: Tensor, mask: Tensor? = nil, delta: Float = 1) -> Tensor {
    checkLossShapes("huberLoss", pred, target, mask)
    let denom = maskedDenominator(mask, count: pred.count)
    let inv = denom > 0 ? Float(1 / denom) : 0
    let dPred = Storage(count: pred.count)
    var total = 0.0
    for i in 0..<pred.count {
        let w = mask?.data[i] ?? 1
        if w == 0 { continue }
        let d = pred.data[i] - target.data[i]
        let l = Swift.abs(d) < delta ? 0.5 * d * d : delta * (Swift.abs(d) - 0.5 * delta)
        total += Double(w * l)
        dPred.pointer[i] = w * min(max(d, -delta), delta) * inv
    }
    return scalarLoss(denom > 0 ? total / denom : 0, pred: pred, dPred: dPred)
}

// logits, target [...] (mask [...]) → loss []
/// Binary cross-entropy on logits (`F.binary_cross_entropy_with_logits`, mean), in the
/// stable form max(x, 0) − x·y + log(1 + e^−|x|); gradient σ(x) − y.
public func bceWithLogits(_ logits: Tensor, _ target: Tensor, mask: Tensor? = nil) -> Tensor {
    checkLossShapes("bceWithLogits", logits, target, mask)
    let denom = maskedDenominator(mask, count: logits.count)
    let dPred = Storage(count: logits.count)
    let total = bceKernel(logits.data, target.data, mask?.data, logits.count,
                          gradScale: denom > 0 ? Float(1 / denom) : 0, grad: dPred.pointer)
    return scalarLoss(denom > 0 ? total / denom : 0, pred: logits, dPred: dPred)
}

/// Σ w·bce(x, y) over n entries, writing grad[i] = w·(σ(x) − y)·gradScale. The sum is in
/// Double; e^−|x| uses the polynomial exp, log1p is libm's (Double, a few hundred ns per 16).
/// The entries' terms are computed in parallel and summed in entry order, as one serial loop.
func bceKernel(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ w: UnsafePointer<Float>?, _ n: Int,
               gradScale: Float, grad: UnsafeMutablePointer<Float>) -> Double {
    let terms = UnsafeMutablePointer<Double>.allocate(capacity: max(n, 1))  // [n] w·bce, 0 where w = 0
    defer { terms.deallocate() }
    parallelRanges(n, minimumPerChunk: 2048) { _, r in
        for i in r {
            let xv = x[i], yv = y[i], wv = w?[i] ?? 1
            grad[i] = wv * (fastSigmoid(xv) - yv) * gradScale
            terms[i] = wv == 0 ? 0 : Double(wv) * (Double(max(xv, 0)) - Double(xv) * Double(yv) + log1p(Double(fastExp(-Swift.abs(xv)))))
        }
    }
    var total = 0.0
    for i in 0..<n { total += terms[i] }
    return total
}

/// Plain Double reference for `bceKernel`: (Σ w·loss, per-entry w·(σ(x) − y)).
func referenceBCE(_ x: [Float], _ y: [Float], _ w: [Float]?) -> (sum: Double, grad: [Double]) {
    var s = 0.0
    var g = [Double](repeating: 0, count: x.count)
    for i in x.indices {
        let xv = Double(x[i]), yv = Double(y[i]), wv = Double(w?[i] ?? 1)
        s += wv * (max(xv, 0) - xv * yv + log(1 + exp(-Swift.abs(xv))))
        g[i] = wv * (1 / (1 + exp(-xv)) - yv)
    }
    return (s, g)
}

// x [...] (mask [...]) → mean []
/// Σ x·mask / Σ mask (the mean over real entries); Σ x / count without a mask.
public func maskedMean(_ x: Tensor, mask: Tensor?) -> Tensor {
    guard let mask else { return x.mean() }
    precondition(mask.shape == x.shape, "maskedMean: mask \(mask.shape) must match \(x.shape)")
    let denom = maskedDenominator(mask, count: x.count)
    return (x * mask).sum() * (denom > 0 ? Float(1 / denom) : 0)
}
