// logits [...] → y [...]; saves the soft sample σ((logits + g)/τ) [...]
/// The notebook's `gumbel_sigmoid`: y = σ((logits + g)/τ) with g ~ Gumbel(0, 1) drawn from
/// ctx.rng, one per entry in row-major order. hard: the forward value is 1[y > ½] and the
/// gradient is the soft one (straight-through, as `y_hard − y_soft.detach() + y_soft`).
public func gumbelSigmoid(_ logits: Tensor, tau: Float = 1, hard: Bool, _ ctx: ForwardContext) -> Tensor {
    precondition(tau > 0, "gumbelSigmoid: temperature must be positive, got \(tau)")
    let n = logits.count
    let soft = Storage(count: n)  // σ((x + g)/τ), for the gradient
    for i in 0..<n { soft.pointer[i] = (logits.data[i] + ctx.rng.nextGumbel()) / tau }
    sigmoidForward(soft.pointer, soft.pointer, n)
    let out = Tensor.output(logits.shape)
    for i in 0..<n { out.data[i] = hard ? (soft.pointer[i] > 0.5 ? 1 : 0) : soft.pointer[i] }
    return out.recorded(from: [logits]) { out in
        let g = out.grad, gx = logits.grad, y = soft.pointer
        for i in 0..<n { gx[i] += g[i] * y[i] * (1 - y[i]) / tau }
    }
}
