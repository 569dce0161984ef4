import Randomness

/// A dropout keep-mask as a function of the element index (counter-based, as PyTorch's
/// Philox): element i is kept when a keyed hash of i is ≥ p·2³², so one generator draw (the
/// key) makes the whole mask. Nothing is stored: forward and backward recompute the bits,
/// each chunk of a parallel loop computes its own, the bits do not depend on the thread
/// count, and the loops over elements vectorise (32-bit integer lanes).
struct DropoutMask {
    let key0: UInt32, key1: UInt32
    /// Dropped when hash < threshold (p resolved to 2⁻³²).
    let threshold: UInt32
    /// 1/(1−p): kept values are scaled so the expectation is unchanged.
    let scale: Float

    init(p: Float, rng: inout Xoshiro256) {
        precondition(p >= 0 && p < 1, "dropout probability must be in [0, 1), got \(p)")
        let key = rng.next()
        key0 = UInt32(truncatingIfNeeded: key)
        key1 = UInt32(truncatingIfNeeded: key >> 32)
        threshold = UInt32(min((Double(p) * 4294967296.0).rounded(), 4294967295.0))
        scale = 1 / (1 - p)
    }

    /// Whether element i is kept. (UInt32 and wrapping arithmetic in callers' index
    /// computations: an overflow-checked Int index keeps LLVM from vectorising the loop.)
    @inline(__always)
    func keeps(_ i: UInt32) -> Bool {
        // Two rounds of Wellons' lowbias32 integer hash, keyed before each round.
        var x = i &+ key0
        x = DropoutMask.mix(x) ^ key1
        return DropoutMask.mix(x) >= threshold
    }

    @inline(__always)
    private static func mix(_ v: UInt32) -> UInt32 {
        var x = v
        x ^= x >> 16
        x = x &* 0x7FEB_352D
        x ^= x >> 15
        x = x &* 0x846C_A68B
        x ^= x >> 16
        return x
    }

    /// dst[j] = keep(offset + j) ? src[j] · scale : 0 (src and dst may be the same buffer).
    func apply(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, offset: Int = 0, n: Int) {
        precondition(offset + n <= 1 << 32, "dropout over \(offset + n) elements: the mask covers 2³²")
        let s = scale, base = UInt32(truncatingIfNeeded: offset)
        for j in 0..<n { dst[j] = keeps(base &+ UInt32(truncatingIfNeeded: j)) ? src[j] * s : 0 }
    }
}

extension Tensor {
    // x [...] → y [...]; the mask is recomputed from its key, not stored
    /// Inverted dropout with probability p in training mode; the identity in evaluation.
    public func dropout(_ p: Float, _ ctx: ForwardContext) -> Tensor {
        guard ctx.training && p > 0 else { return self }
        let x = self
        let mask = DropoutMask(p: p, rng: &ctx.rng)
        let out = Tensor.output(shape)
        precondition(count <= 1 << 32, "dropout over \(count) elements: the mask covers 2³²")
        let (xp, y) = (UnsafePointer(data), out.data)
        parallelRanges(count) { _, r in mask.apply(xp + r.lowerBound, y + r.lowerBound, offset: r.lowerBound, n: r.count) }
        return out.recorded(from: [x]) { out in
            let g = UnsafePointer(out.grad), (gx, accumulate) = x.gradForWriting()
            parallelRanges(x.count) { _, r in
                if !accumulate { mask.apply(g + r.lowerBound, gx + r.lowerBound, offset: r.lowerBound, n: r.count); return }
                let s = mask.scale
                for i in r { gx[i] += mask.keeps(UInt32(truncatingIfNeeded: i)) ? g[i] * s : 0 }
            }
        }
    }
}
