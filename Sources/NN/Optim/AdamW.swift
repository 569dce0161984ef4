/// `torch.optim.AdamW` (amsgrad off): for each parameter, with step t ≥ 1,
///   p ← p·(1 − lr·wd);  m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²
///   p ← p − lr/(1−β1ᵗ) · m / (√v/√(1−β2ᵗ) + eps)
/// Applied to every listed parameter (weight decay included, as the notebook). Moments are
/// stored as PyTorch does (not bias-corrected) so checkpoints are interchangeable.
public final class AdamW {
    public let parameters: [(String, Tensor)]
    public var learningRate: Float
    public var beta1: Float = 0.9, beta2: Float = 0.999, eps: Float = 1e-8, weightDecay: Float = 0.01
    /// Number of steps taken.
    public private(set) var step: Int = 0
    /// First and second moments, per parameter (same order as `parameters`).
    public private(set) var expAvg: [Storage]
    public private(set) var expAvgSq: [Storage]

    public init(_ parameters: [(String, Tensor)], learningRate: Float = 1e-3, weightDecay: Float = 0.01) {
        self.parameters = parameters
        self.learningRate = learningRate
        self.weightDecay = weightDecay
        expAvg = parameters.map { Storage(count: $0.1.count) }
        expAvgSq = parameters.map { Storage(count: $0.1.count) }
    }

    /// One update from the parameters' current gradients (absent gradients count as zero, as
    /// PyTorch skips them: such parameters are left untouched).
    public func update() {
        step += 1
        let t = Float(step)
        let bc1 = 1 - powf(beta1, t), bc2 = 1 - powf(beta2, t)
        for (i, (_, p)) in parameters.enumerated() {
            guard let g = p.gradStorage else { continue }
            adamwKernel(p: p.data, g: g.pointer, m: expAvg[i].pointer, v: expAvgSq[i].pointer, n: p.count,
                        lr: learningRate, beta1: beta1, beta2: beta2, eps: eps, weightDecay: weightDecay,
                        bc1: bc1, bc2: bc2)
        }
    }

    /// Clears every parameter's gradient.
    public func zeroGrad() { for (_, p) in parameters { p.zeroGrad() } }

    /// Restores moments and step (from a checkpoint); shapes are checked by the caller.
    public func restore(step: Int, expAvg m: [[Float]], expAvgSq v: [[Float]]) {
        precondition(m.count == parameters.count && v.count == parameters.count, "AdamW.restore: wrong parameter count")
        self.step = step
        for i in parameters.indices {
            precondition(m[i].count == parameters[i].1.count && v[i].count == parameters[i].1.count,
                         "AdamW.restore: wrong size for \(parameters[i].0)")
            m[i].withUnsafeBufferPointer { expAvg[i].pointer.update(from: $0.baseAddress!, count: $0.count) }
            v[i].withUnsafeBufferPointer { expAvgSq[i].pointer.update(from: $0.baseAddress!, count: $0.count) }
        }
    }
}

private func powf(_ x: Float, _ y: Float) -> Float { Float(Foundation.pow(Double(x), Double(y))) }

import Foundation

/// The fused AdamW update of n values (one pass, vectorised by the compiler).
@inline(__always)
func adamwKernel(p: UnsafeMutablePointer<Float>, g: UnsafePointer<Float>, m: UnsafeMutablePointer<Float>,
                 v: UnsafeMutablePointer<Float>, n: Int, lr: Float, beta1: Float, beta2: Float, eps: Float,
                 weightDecay: Float, bc1: Float, bc2: Float) {
    let decay = 1 - lr * weightDecay
    let stepSize = lr / bc1
    let bc2Sqrt = bc2.squareRoot()
    for i in 0..<n {
        let gi = g[i]
        let mi = beta1 * m[i] + (1 - beta1) * gi
        let vi = beta2 * v[i] + (1 - beta2) * gi * gi
        m[i] = mi
        v[i] = vi
        p[i] = p[i] * decay - stepSize * mi / (vi.squareRoot() / bc2Sqrt + eps)
    }
}

/// The same update written step by step in Double, the reference for tests.
func referenceAdamW(p: inout [Double], g: [Double], m: inout [Double], v: inout [Double], step: Int,
                    lr: Double, beta1: Double = 0.9, beta2: Double = 0.999, eps: Double = 1e-8, weightDecay: Double = 0.01) {
    for i in p.indices {
        p[i] *= 1 - lr * weightDecay
        m[i] = beta1 * m[i] + (1 - beta1) * g[i]
        v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i]
        let mhat = m[i] / (1 - pow(beta1, Double(step)))
        let vhat = v[i] / (1 - pow(beta2, Double(step)))
        p[i] -= lr * mhat / (vhat.squareRoot() + eps)
    }
}
