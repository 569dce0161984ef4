extension Tensor {
    // x [...] → s []
    /// Sum of all elements (shape []), accumulated in Double.
    public func sum() -> Tensor {
        let x = self
        let out = Tensor.output([])
        var s = 0.0
        for i in 0..<count { s += Double(data[i]) }
        out.data[0] = Float(s)
        return out.recorded(from: [x]) { out in
            let g = out.grad[0], gx = x.grad
            for i in 0..<x.count { gx[i] += g }
        }
    }

    /// Mean of all elements (shape []).
    public func mean() -> Tensor { sum() * (1 / Float(Swift.max(count, 1))) }

    // x [..., K] → y [...]
    /// Sum over the last dimension: [..., K] → [...].
    public func sumLastAxis() -> Tensor {
        let x = self
        let k = shape.last ?? 1
        let rows = count / Swift.max(k, 1)
        let out = Tensor.output(Array(shape.dropLast()))
        for r in 0..<rows { out.data[r] = vsum(data + r * k, k) }
        return out.recorded(from: [x]) { out in
            let g = out.grad, gx = x.grad
            for r in 0..<rows { for j in 0..<k { gx[r * k + j] += g[r] } }
        }
    }
}

/// Mean of a list of scalar (one-element) tensors, e.g. per-item losses.
public func meanOf(_ items: [Tensor]) -> Tensor {
    precondition(!items.isEmpty, "meanOf needs at least one tensor")
    return stack(items.map { $0.reshaped([1]) }, axis: 0).mean()
}
