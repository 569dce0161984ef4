import Foundation

/// Scales all gradients so their global L2 norm is at most maxNorm (`clip_grad_norm_`:
/// factor maxNorm/(norm + 1e-6), only when below 1). Returns the norm before clipping.
@discardableResult
public func clipGradNorm(_ parameters: [Tensor], maxNorm: Float) -> Float {
    var total = 0.0
    for p in parameters {
        guard let g = p.gradStorage else { continue }
        total += Double(vdot(g.pointer, g.pointer, p.count))
    }
    let norm = Float(total.squareRoot())
    let coef = maxNorm / (norm + 1e-6)
    if coef < 1 {
        for p in parameters {
            guard let g = p.gradStorage else { continue }
            for i in 0..<p.count { g.pointer[i] *= coef }
        }
    }
    return norm
}

/// Learning rate as a function of the step about to be taken (1-based).
public enum LearningRateSchedule: Codable, Equatable, Sendable {
    case constant(Float)
    /// Linear warm-up from 0 to `peak` over `warmup` steps, then cosine decay to `floor` at
    /// `total` steps (and `floor` after).
    case warmupCosine(peak: Float, warmup: Int, total: Int, floor: Float)

    public func rate(atStep step: Int) -> Float {
        switch self {
        case .constant(let lr): return lr
        case let .warmupCosine(peak, warmup, total, floor):
            if warmup > 0 && step <= warmup { return peak * Float(step) / Float(warmup) }
            if step >= total { return floor }
            let progress = Double(step - warmup) / Double(max(total - warmup, 1))
            return floor + (peak - floor) * Float(0.5 * (1 + cos(Double.pi * progress)))
        }
    }
}
