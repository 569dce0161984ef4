import Foundation

// Pointwise activations: fused SIMD kernels (forward and backward) with Double-precision
// references beside them for the tests.

/// Exact (erf) GELU, x·Φ(x), as PyTorch's `nn.GELU()` default: y[i] for n values.
func geluForward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
    geluRow(x, bias: nil, y, n)
}

/// dx[i] += dy[i] · (Φ(x) + x·φ(x)).
func geluBackward(_ x: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>, _ n: Int) {
    for i in 0..<n {
        let v = x[i]
        dx[i] += dy[i] * (normalCDF(v) + v * normalPDF(v))
    }
}

/// GELU and its derivative in Double with libm erf: the reference.
func referenceGelu(_ x: Float) -> (y: Double, dy: Double) {
    let v = Double(x)
    let cdf = 0.5 * erfc(-v / 2.0.squareRoot())
    return (v * cdf, cdf + v * exp(-0.5 * v * v) / (2 * Double.pi).squareRoot())
}

/// Logistic sigmoid, 1/(1+e^−x), computed without overflow for any x.
func sigmoidForward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
    for i in 0..<n { y[i] = fastSigmoid(x[i]) }
}

/// The feed-forward activation of an encoder layer (PyTorch's `activation="relu"` / `"gelu"`).
public enum Activation: String, Codable, Sendable {
    case relu, gelu
}

extension Tensor {
    // x [...] → y [...] (each of gelu, relu, sigmoid, abs)
    /// Exact erf GELU.
    public func gelu() -> Tensor {
        let x = self
        let out = Tensor.output(shape)
        let xp = data, y = out.data
        parallelRanges(count) { _, r in geluForward(xp + r.lowerBound, y + r.lowerBound, r.count) }
        return out.recorded(from: [x]) { out in
            let xp = x.data, g = out.grad, gx = x.grad
            parallelRanges(x.count) { _, r in geluBackward(xp + r.lowerBound, g + r.lowerBound, gx + r.lowerBound, r.count) }
        }
    }

    public func relu() -> Tensor {
        let x = self
        let out = Tensor.output(shape)
        let y = out.data, xp = data
        for i in 0..<count { y[i] = max(xp[i], 0) }
        return out.recorded(from: [x]) { out in
            let g = out.grad, gx = x.grad, xp = x.data
            for i in 0..<x.count where xp[i] > 0 { gx[i] += g[i] }
        }
    }

    public func sigmoid() -> Tensor {
        let x = self
        let out = Tensor.output(shape)
        sigmoidForward(data, out.data, count)
        return out.recorded(from: [x]) { out in
            let g = out.grad, gx = x.grad, y = out.data
            for i in 0..<x.count { gx[i] += g[i] * y[i] * (1 - y[i]) }
        }
    }

    /// c·tanh(x/c): the identity near 0 (slope 1 − (x/c)²/… ), bounded by ±c. Backward
    /// 1 − tanh²(x/c) = 1 − (y/c)².
    public func softClip(_ c: Float) -> Tensor {
        precondition(c > 0, "softClip bound must be positive")
        let x = self
        let out = Tensor.output(shape)
        let y = out.data, xp = data
        for i in 0..<count { y[i] = c * Foundation.tanh(xp[i] / c) }
        return out.recorded(from: [x]) { out in
            let g = out.grad, gx = x.grad, y = out.data
            for i in 0..<x.count {
                let t = y[i] / c
                gx[i] += g[i] * (1 - t * t)
            }
        }
    }

    /// |x| (gradient sign(x), 0 at 0 as PyTorch).
    public func abs() -> Tensor {
        let x = self
        let out = Tensor.output(shape)
        let y = out.data, xp = data
        for i in 0..<count { y[i] = Swift.abs(xp[i]) }
        return out.recorded(from: [x]) { out in
            let g = out.grad, gx = x.grad, xp = x.data
            for i in 0..<x.count { gx[i] += xp[i] > 0 ? g[i] : (xp[i] < 0 ? -g[i] : 0) }
        }
    }
}
