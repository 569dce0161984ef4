import Randomness

// logits [...] → y [...]; saves the soft sample σ((logits + g)/τ) [...]
/// The notebook's `gumbel_sigmoid`: y = σ((logits + g)/τ) with g ~ Gumbel(0, 1) drawn from
/// ctx.rng, one per entry in row-major order. hard: the forward value is 1[y > ½] and the
/// gradient is the soft one (straight-through, as `y_hard − y_soft.detach() + y_soft`).
public func gumbelSigmoid(_ logits: Tensor, tau: Float = 1, hard: Bool, _ ctx: ForwardContext) -> Tensor {
    precondition(tau > 0, "gumbelSigmoid: temperature must be positive, got \(tau)")
    let n = logits.count
    let soft = Storage(count: n)  // σ((x + g)/τ), for the gradient
    var rng = ctx.rng  // a local copy: no exclusivity check per draw on the context's property
    let uniforms = (0..<n).map { _ in rng.nextDouble() }  // in entry order, as n nextGumbel() calls
    ctx.rng = rng
    let out = Tensor.output(logits.shape)
    uniforms.withUnsafeBufferPointer { u in
        parallelRanges(n, minimumPerChunk: 2048) { _, r in
            let s = soft.pointer, x = logits.data, y = out.data
            for i in r { s[i] = (x[i] + Xoshiro256.gumbel(fromUniform: u[i])) / tau }
            sigmoidForward(s + r.lowerBound, s + r.lowerBound, r.count)
            for i in r { y[i] = hard ? (s[i] > 0.5 ? 1 : 0) : s[i] }
        }
    }
    return out.recorded(from: [logits]) { out in
        let g = out.grad, gx = logits.grad, y = soft.pointer
        for i in 0..<n { gx[i] += g[i] * y[i] * (1 - y[i]) / tau }
    }
}
