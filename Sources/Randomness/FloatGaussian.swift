/// Gaussian noise in Float, 32 values per 16 random words: the SCM sampler's noise (the
/// model initialisation keeps the Double `fillGaussian`). One 64-bit draw makes one
/// Box–Muller pair: the high 32 bits give u₁ ∈ (0, 1] (so the radius reaches 6.7σ), 23 low
/// bits the angle. Lanes are computed 16 at a time with `FloatMath`; the scalar
/// `gaussianPair(_:)` is the same arithmetic, the reference the tests compare against.
extension Xoshiro256 {
    /// Fills `out` with N(0, std²) draws: blocks of 32 values from 16 draws, the 16 r·cos
    /// then the 16 r·sin (a short last block still consumes 16 draws).
    public mutating func fillGaussianFloat(_ out: UnsafeMutableBufferPointer<Float>, std: Float = 1) {
        guard let base = out.baseAddress else { return }
        var words = SIMD16<UInt64>()
        var i = 0
        while i < out.count {
            for l in 0..<16 { words[l] = next() }
            let (c, s) = Xoshiro256.gaussianPairs(words)
            if i + 32 <= out.count {
                FloatMath.store(c * std, base + i)
                FloatMath.store(s * std, base + i + 16)
            } else {
                for l in 0..<(out.count - i) { base[i + l] = l < 16 ? c[l] * std : s[l - 16] * std }
            }
            i += 32
        }
    }

    /// (r·cos θ, r·sin θ) for 16 draws.
    static func gaussianPairs(_ words: SIMD16<UInt64>) -> (FloatMath.Vector, FloatMath.Vector) {
        let hi = SIMD16<UInt32>(truncatingIfNeeded: words &>> 32), lo = SIMD16<UInt32>(truncatingIfNeeded: words)
        let u1 = (exactFloat(hi &>> 16) * 0x1p-16 + exactFloat(hi & 0xFFFF) * 0x1p-32) + 0x1p-33
        let turn = exactFloat(lo & 0x7F_FFFF) * 0x1p-23  // [0, 1)
        let r = (-2 * FloatMath.log(u1)).squareRoot()
        let angle = turn * 6.283_185_3
        return (r * FloatMath.cos(angle), r * FloatMath.sin(angle))
    }

    /// The scalar reference of one lane of `gaussianPairs`.
    public static func gaussianPair(_ word: UInt64) -> (Float, Float) {
        let hi = UInt32(truncatingIfNeeded: word >> 32), lo = UInt32(truncatingIfNeeded: word)
        let u1 = (exactFloat(hi >> 16) * 0x1p-16 + exactFloat(hi & 0xFFFF) * 0x1p-32) + 0x1p-33
        let turn = exactFloat(lo & 0x7F_FFFF) * 0x1p-23
        let r = (-2 * FloatMath.log(u1)).squareRoot()
        let angle = turn * 6.283_185_3
        return (r * FloatMath.cos(angle), r * FloatMath.sin(angle))
    }

    /// A value below 2²³ as a Float, exactly, by bits (2²³ + v) − 2²³: no int conversion call.
    @inline(__always)
    static func exactFloat(_ v: SIMD16<UInt32>) -> FloatMath.Vector {
        unsafeBitCast(0x4B00_0000 | v, to: FloatMath.Vector.self) - 8_388_608
    }

    @inline(__always)
    static func exactFloat(_ v: UInt32) -> Float { Float(bitPattern: 0x4B00_0000 | v) - 8_388_608 }
}
