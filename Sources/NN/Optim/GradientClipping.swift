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
