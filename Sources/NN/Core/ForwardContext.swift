import Randomness

/// What a forward pass needs beyond its inputs: training or evaluation mode (dropout on or
/// off, Gumbel hard sampling) and the seeded generator that draws dropout masks and noise.
public final class ForwardContext {
    public var training: Bool
    public var rng: Xoshiro256

    public init(training: Bool, rng: Xoshiro256) {
        self.training = training
        self.rng = rng
    }

    /// Evaluation mode: no dropout (the generator is only used by explicit sampling ops).
    public static func evaluation(seed: UInt64 = 0) -> ForwardContext {
        ForwardContext(training: false, rng: Xoshiro256(seed: seed))
    }
}

/// A keep-mask for dropout: 1 = kept (scaled by 1/(1−p)), 0 = dropped.
final class DropoutMask {
    let keep: UnsafeMutablePointer<UInt8>
    let count: Int
    let scale: Float

    /// Draws `count` Bernoulli(1−p) decisions, two per 64-bit draw (32 bits each, so p is
    /// resolved to 2⁻³²).
    init(count: Int, p: Float, rng: inout Xoshiro256) {
        precondition(p >= 0 && p < 1, "dropout probability must be in [0, 1), got \(p)")
        self.count = count
        scale = 1 / (1 - p)
        keep = .allocate(capacity: max(count, 1))
        let threshold = UInt64((Double(p) * 4294967296.0).rounded())
        var i = 0
        while i < count {
            let r = rng.next()
            keep[i] = (r & 0xFFFF_FFFF) >= threshold ? 1 : 0
            if i + 1 < count { keep[i + 1] = (r >> 32) >= threshold ? 1 : 0 }
            i += 2
        }
    }

    deinit { keep.deallocate() }

    /// dst[i] = src[i] · keep[i] · scale (src and dst may be the same buffer).
    func apply(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, offset: Int = 0, n: Int) {
        let k = keep + offset
        for i in 0..<n { dst[i] = k[i] != 0 ? src[i] * scale : 0 }
    }
}

extension Tensor {
    /// Inverted dropout with probability p in training mode; the identity in evaluation.
    public func dropout(_ p: Float, _ ctx: ForwardContext) -> Tensor {
        guard ctx.training && p > 0 else { return self }
        let x = self
        let mask = DropoutMask(count: count, p: p, rng: &ctx.rng)
        let out = Tensor.result(shape, [x]) { out in
            let g = out.grad, gx = x.grad, k = mask.keep, s = mask.scale
            for i in 0..<x.count where k[i] != 0 { gx[i] += g[i] * s }
        }
        mask.apply(data, out.data, n: count)
        return out
    }
}
