/// `torch.optim.AdamW` (amsgrad off): for each parameter, with step t ≥ 1,
///   p ← p·(1 − lr·wd);  m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²
///   p ← p − lr/(1−β1ᵗ) · m / (√v/√(1−β2ᵗ) + eps)
/// Applied to every listed parameter (weight decay included, as the notebook). Moments are
/// stored as PyTorch does (not bias-corrected) so checkpoints are interchangeable.
public final class AdamW {
    public let parameters: [(String, Tensor)]
    public var learningRate: Float
    /// Per-parameter multipliers of `learningRate` (PyTorch's parameter groups); all 1 by default.
    public var learningRateScales: [Float]
    // Hyper-parameters in Double, as PyTorch's Python floats (1 − Float(0.999) ≠ Float(0.001)).
    public var beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weightDecay = 0.01
    /// Number of steps taken.
    public private(set) var step: Int = 0
    /// First and second moments, per parameter (same order as `parameters`).
    public private(set) var expAvg: [Storage]
    public private(set) var expAvgSq: [Storage]

    public init(_ parameters: [(String, Tensor)], learningRate: Float = 1e-3, weightDecay: Double = 0.01) {
        self.parameters = parameters
        self.learningRate = learningRate
        self.weightDecay = weightDecay
        learningRateScales = [Float](repeating: 1, count: parameters.count)
        expAvg = parameters.map { Storage(count: $0.1.count) }
        expAvgSq = parameters.map { Storage(count: $0.1.count) }
    }

    /// One update from the parameters' current gradients (absent gradients count as zero, as
    /// PyTorch skips them: such parameters are left untouched).
    public func update() {
        step += 1
        let t = Double(step)
        let bc1 = 1 - Foundation.pow(beta1, t), bc2 = 1 - Foundation.pow(beta2, t)
        for (i, (_, p)) in parameters.enumerated() {
            guard let g = p.gradStorage else { continue }
            let m = expAvg[i].pointer, v = expAvgSq[i].pointer
            let lr = learningRate * learningRateScales[i]
            parallelRanges(p.count, minimumPerChunk: 32768) { _, r in
                adamwKernel(p: p.data + r.lowerBound, g: g.pointer + r.lowerBound, m: m + r.lowerBound,
                            v: v + r.lowerBound, n: r.count, lr: lr, beta1: beta1, beta2: beta2, eps: eps,
                            weightDecay: weightDecay, bc1: bc1, bc2: bc2)
            }
        }
    }

    /// Where the state first stops being finite — "exp_avg_sq of <key>" or "<key>" — or nil.
    /// An update can overflow even when the loss was finite (a huge learning rate, or g²
    /// above float32's range), so a training loop checks this before it saves a checkpoint.
    public func firstNonFinite() -> String? {
        for (i, (key, p)) in parameters.enumerated() {
            if firstNonFiniteIndex(UnsafeBufferPointer(start: p.data, count: p.count)) != nil { return key }
            if firstNonFiniteIndex(UnsafeBufferPointer(start: expAvg[i].pointer, count: p.count)) != nil { return "exp_avg of \(key)" }
            if firstNonFiniteIndex(UnsafeBufferPointer(start: expAvgSq[i].pointer, count: p.count)) != nil { return "exp_avg_sq of \(key)" }
        }
        return nil
    }

    /// True when every parameter and both moments are finite.
    public var allFinite: Bool { firstNonFinite() == nil }

    /// Throws, naming the first non-finite parameter or moment.
    public func checkFinite() throws {
        if let what = firstNonFinite() {
            throw NonFiniteStateError(what: what, step: step)
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

import Foundation

/// The optimizer state stopped being finite (an update overflowed).
public struct NonFiniteStateError: Error, CustomStringConvertible, Equatable {
    public let what: String
    public let step: Int
    public var description: String {
        "the update of step \(step) made \(what) non-finite (the learning rate is too high for this model)"
    }
}

/// The fused AdamW update of n values (one pass, vectorised by the compiler).
@inline(__always)
func adamwKernel(p: UnsafeMutablePointer<Float>, g: UnsafePointer<Float>, m: UnsafeMutablePointer<Float>,
                 v: UnsafeMutablePointer<Float>, n: Int, lr: Float, beta1: Double, beta2: Double, eps: Double,
                 weightDecay: Double, bc1: Double, bc2: Double) {
    // Constants in Double, rounded once to float32 (as PyTorch's kernels receive them).
    let decay = Float(1 - Double(lr) * weightDecay)
    let stepSize = Float(Double(lr) / bc1)
    let bc2Sqrt = Float(bc2.squareRoot())
    let b1 = Float(beta1), b2 = Float(beta2), a1 = Float(1 - beta1), a2 = Float(1 - beta2), eps = Float(eps)
    for i in 0..<n {
        let gi = g[i]
        let mi = b1 * m[i] + a1 * gi
        let vi = b2 * v[i] + a2 * gi * gi
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
