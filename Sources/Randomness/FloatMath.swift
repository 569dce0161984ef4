import Foundation

/// Float sin, cos, exp, log and tanh for the SCM sampler and its Gaussian noise (and asinh for
/// the pair features): Cephes' single-precision polynomials, 16 lanes at a time (`FloatMath.Vector`), each beside a
/// plain scalar version of the very same operations in the same order (fused
/// multiply-adds only where both use `addingProduct`), so a lane of a vector function equals
/// the scalar function bit for bit: a column gets the same numbers whether a value falls in
/// a full vector or in the tail. Accuracy against libm, as `FloatMathTests` checks: exp, log
/// ≤ 2 ulp; sin, cos ≤ 2 ulp or 1e-7 absolute for |x| ≤ 8192 (larger |x| go to libm); tanh
/// ≤ 3 ulp; asinh ≤ 3 ulp. No Float → Int conversion happens, so NaN gives NaN instead of trapping.
public enum FloatMath {
    public typealias Vector = SIMD16<Float>

    // Round to the nearest integer with the 1.5·2²³ trick: for |y| < 2²², y + magic holds
    // round(y) in its low mantissa bits, and (y + magic) − magic is round(y) as a Float.
    @usableFromInline static let magic: Float = 12_582_912
    @usableFromInline static let magicBits: UInt32 = 0x4B40_0000
    /// sin and cos hand |x| above this to libm (the 3-part π/2 reduction is exact below it).
    @usableFromInline static let sinCosLimit: Float = 8192

    // MARK: exp: x clamped to ±87, x = n·ln2 + r with |r| ≤ ln2/2, eʳ = 1 + r + r²·P(r).

    @inlinable public static func exp(_ x: Float) -> Float {
        let x = x < -87 ? -87 : x > 87 ? 87 : x
        let s = x * 1.442_695_04 + magic
        let n = s - magic
        let r = x.addingProduct(n, -0.693_359_375).addingProduct(n, 2.121_944_4e-4)
        var p: Float = 1.987_569_15e-4
        p = p * r + 1.398_199_95e-3
        p = p * r + 8.333_451_9e-3
        p = p * r + 4.166_579_6e-2
        p = p * r + 1.666_666_55e-1
        p = p * r + 5.000_000_1e-1
        let e = p * (r * r) + r + 1
        return e * Float(bitPattern: (s.bitPattern &- magicBits &+ 127) &<< 23)
    }

    @inlinable public static func exp(_ x: Vector) -> Vector {
        let x = select(less(x, -87), Vector(repeating: -87), select(less(87, x), Vector(repeating: 87), x))
        let s = x * 1.442_695_04 + magic
        let n = s - magic
        let r = x.addingProduct(n, -0.693_359_375).addingProduct(n, 2.121_944_4e-4)
        var p = Vector(repeating: 1.987_569_15e-4)
        p = p * r + 1.398_199_95e-3
        p = p * r + 8.333_451_9e-3
        p = p * r + 4.166_579_6e-2
        p = p * r + 1.666_666_55e-1
        p = p * r + 5.000_000_1e-1
        let e = p * (r * r) + r + 1
        let sBits = unsafeBitCast(s, to: SIMD16<UInt32>.self)
        return e * unsafeBitCast((sBits &- magicBits &+ 127) &<< 23, to: Vector.self)
    }

    // MARK: log, for positive normal x: x = 2ᵉ·m with m in [√½, √2), log(m) by Cephes' P(m−1).

    @inlinable public static func log(_ x: Float) -> Float {
        let bits = x.bitPattern
        var e = Float(bitPattern: 0x4B00_0000 | ((bits >> 23) & 0xFF)) - 8_388_734  // exponent − 126
        var m = Float(bitPattern: (bits & 0x007F_FFFF) | 0x3F00_0000)  // [0.5, 1)
        if m < 0.707_106_78 {
            e -= 1
            m = m + m - 1
        } else {
            m -= 1
        }
        let z = m * m
        var y: Float = 7.037_683_629_2e-2
        y = y * m - 1.151_461_031_0e-1
        y = y * m + 1.167_699_874_0e-1
        y = y * m - 1.242_014_084_6e-1
        y = y * m + 1.424_932_278_7e-1
        y = y * m - 1.666_805_766_5e-1
        y = y * m + 2.000_071_476_5e-1
        y = y * m - 2.499_999_399_3e-1
        y = y * m + 3.333_333_117_4e-1
        y = y * m * z
        y += e * -2.121_944_40e-4
        y += -0.5 * z
        return (m + y) + e * 0.693_359_375
    }

    @inlinable public static func log(_ x: Vector) -> Vector {
        let bits = unsafeBitCast(x, to: SIMD16<UInt32>.self)
        let e0 = unsafeBitCast(0x4B00_0000 | ((bits &>> 23) & 0xFF), to: Vector.self) - 8_388_734
        let m0 = unsafeBitCast((bits & 0x007F_FFFF) | 0x3F00_0000, to: Vector.self)
        let low = less(m0, 0.707_106_78)
        let e = select(low, e0 - 1, e0)
        let m = select(low, m0 + m0 - 1, m0 - 1)
        let z = m * m
        var y = Vector(repeating: 7.037_683_629_2e-2)
        y = y * m - 1.151_461_031_0e-1
        y = y * m + 1.167_699_874_0e-1
        y = y * m - 1.242_014_084_6e-1
        y = y * m + 1.424_932_278_7e-1
        y = y * m - 1.666_805_766_5e-1
        y = y * m + 2.000_071_476_5e-1
        y = y * m - 2.499_999_399_3e-1
        y = y * m + 3.333_333_117_4e-1
        y = y * m * z
        y += e * -2.121_944_40e-4
        y += -0.5 * z
        return (m + y) + e * 0.693_359_375
    }

    // MARK: sin and cos: x = q·π/2 + r (3-part π/2, fused), |r| ≤ π/4, then ±sin r or ±cos r
    // by the quadrant q mod 4 (cos is sin one quadrant on).

    @usableFromInline static let halfPi: (Float, Float, Float) = (0x1.921FB6p0, -0x1.777A5Cp-25, -0x1.EE59DAp-50)

    @inlinable static func sinCos(_ x: Float, quadrantOffset: UInt32) -> Float {
        if !(Swift.abs(x) <= sinCosLimit) {
            return quadrantOffset == 0 ? Foundation.sin(x) : Foundation.cos(x)
        }
        let s = x * 0.636_619_77 + magic
        let q = s - magic
        let r = x.addingProduct(q, -halfPi.0).addingProduct(q, -halfPi.1).addingProduct(q, -halfPi.2)
        let z = r * r
        var sp: Float = -1.951_529_589_1e-4
        sp = sp * z + 8.332_160_873_6e-3
        sp = sp * z - 1.666_665_461_1e-1
        let sinR = sp * z * r + r
        var cp: Float = 2.443_315_711_809_948e-5
        cp = cp * z - 1.388_731_625_493_765e-3
        cp = cp * z + 4.166_664_568_298_827e-2
        let cosR = cp * z * z - 0.5 * z + 1
        let k = s.bitPattern &+ quadrantOffset
        let v = k & 1 == 0 ? sinR : cosR
        return Float(bitPattern: v.bitPattern ^ ((k & 2) &<< 30))
    }

    @inlinable static func sinCos(_ x: Vector, quadrantOffset: UInt32) -> Vector {
        let s = x * 0.636_619_77 + magic
        let q = s - magic
        let r = x.addingProduct(q, -halfPi.0).addingProduct(q, -halfPi.1).addingProduct(q, -halfPi.2)
        let z = r * r
        var sp = Vector(repeating: -1.951_529_589_1e-4)
        sp = sp * z + 8.332_160_873_6e-3
        sp = sp * z - 1.666_665_461_1e-1
        let sinR = sp * z * r + r
        var cp = Vector(repeating: 2.443_315_711_809_948e-5)
        cp = cp * z - 1.388_731_625_493_765e-3
        cp = cp * z + 4.166_664_568_298_827e-2
        let cosR = cp * z * z - 0.5 * z + 1
        let k = unsafeBitCast(s, to: SIMD16<UInt32>.self) &+ quadrantOffset
        let odd = 0 &- (k & 1)  // all ones in odd quadrants: cos r
        let sinBits = unsafeBitCast(sinR, to: SIMD16<UInt32>.self), cosBits = unsafeBitCast(cosR, to: SIMD16<UInt32>.self)
        var out = unsafeBitCast(((sinBits & ~odd) | (cosBits & odd)) ^ ((k & 2) &<< 30), to: Vector.self)
        // |x| beyond the limit, ±inf and NaN: libm (the bits of magnitude(x) compare as integers).
        let far = unsafeBitCast(magnitude(x), to: SIMD16<UInt32>.self) &- (sinCosLimit.bitPattern + 1)
        if (far &>> 31).wrappedSum() != 16 {
            for i in 0..<Vector.scalarCount where !(Swift.abs(x[i]) <= sinCosLimit) {
                out[i] = quadrantOffset == 0 ? Foundation.sin(x[i]) : Foundation.cos(x[i])
            }
        }
        return out
    }

    @inlinable public static func sin(_ x: Float) -> Float { sinCos(x, quadrantOffset: 0) }
    @inlinable public static func cos(_ x: Float) -> Float { sinCos(x, quadrantOffset: 1) }
    @inlinable public static func sin(_ x: Vector) -> Vector { sinCos(x, quadrantOffset: 0) }
    @inlinable public static func cos(_ x: Vector) -> Vector { sinCos(x, quadrantOffset: 1) }

    // MARK: tanh: x + x³·P(x²) for |x| ≤ 0.625, else ±(1 − 2 / (e^{2|x|} + 1)).

    @inlinable public static func tanh(_ x: Float) -> Float {
        let a = Swift.abs(x)
        if a > 0.625 {
            let t = 1 - 2 / (exp(a + a) + 1)  // exp clamps at 87: t = 1
            return x < 0 ? -t : t
        }
        let z = x * x
        var p: Float = -5.704_988_727_45e-3
        p = p * z + 2.063_908_879_54e-2
        p = p * z - 5.373_971_555_31e-2
        p = p * z + 1.333_144_220_36e-1
        p = p * z - 3.333_328_194_22e-1
        return p * z * x + x
    }

    @inlinable public static func tanh(_ x: Vector) -> Vector {
        let a = magnitude(x)
        let u = 1 - 2 / (exp(a + a) + 1)
        let t = unsafeBitCast(unsafeBitCast(u, to: SIMD16<UInt32>.self) | (unsafeBitCast(x, to: SIMD16<UInt32>.self) & 0x8000_0000), to: Vector.self)
        let z = x * x
        var p = Vector(repeating: -5.704_988_727_45e-3)
        p = p * z + 2.063_908_879_54e-2
        p = p * z - 5.373_971_555_31e-2
        p = p * z + 1.333_144_220_36e-1
        p = p * z - 3.333_328_194_22e-1
        return select(less(0.625, a), t, p * z * x + x)
    }

    // MARK: asinh: ±log1p(u) with u = |x| + x²/(1 + √(1 + x²)); log1p(u) = log(w)·u/(w − 1) for
    // w = 1 + u (Goldberg: the rounding of w cancels), u − u²/2 below 2⁻¹², log(2|x|) above 4096.

    @inlinable public static func asinh(_ x: Float) -> Float {
        let a = Swift.abs(x)
        let a2 = a * a
        let u = a + a2 / (1 + (1 + a2).squareRoot())
        let w = 1 + u
        let big = 4096 < a
        let l = log(big ? a : w)  // one log for both forms
        var r = u < 0x1p-12 ? u - 0.5 * u * u : l * (u / (w - 1))
        r = big ? l + 0.693_147_18 : r
        return Float(bitPattern: r.bitPattern | (x.bitPattern & 0x8000_0000))
    }

    @inlinable public static func asinh(_ x: Vector) -> Vector {
        let a = magnitude(x)
        let a2 = a * a
        let u = a + a2 / (1 + (1 + a2).squareRoot())
        let w = 1 + u
        let big = less(4096, a)
        let l = log(select(big, a, w))
        var r = select(less(u, 0x1p-12), u - 0.5 * u * u, l * (u / (w - 1)))
        r = select(big, l + 0.693_147_18, r)
        return unsafeBitCast(unsafeBitCast(r, to: SIMD16<UInt32>.self) | (unsafeBitCast(x, to: SIMD16<UInt32>.self) & 0x8000_0000), to: Vector.self)
    }

    /// x[i] = asinh(x[i]) for n values in place, 16 at a time (every element as the scalar function).
    @inlinable public static func asinh(_ x: UnsafeMutablePointer<Float>, count n: Int) {
        var i = 0
        while i + 16 <= n { store(asinh(load(x + i)), x + i); i += 16 }
        while i < n { x[i] = asinh(x[i]); i += 1 }
    }

    // Comparisons and selects by bits: the standard library's SIMDMask comparisons and
    // `replacing` compile to a loop over the lanes.

    /// All ones in the lanes where a < b (the sign of a − b, exact for finite values).
    @inlinable @inline(__always)
    public static func less(_ a: Vector, _ b: Vector) -> SIMD16<UInt32> {
        0 &- (unsafeBitCast(a - b, to: SIMD16<UInt32>.self) &>> 31)
    }

    @inlinable @inline(__always)
    public static func less(_ a: Vector, _ b: Float) -> SIMD16<UInt32> { less(a, Vector(repeating: b)) }

    @inlinable @inline(__always)
    public static func less(_ a: Float, _ b: Vector) -> SIMD16<UInt32> { less(Vector(repeating: a), b) }

    /// mask ? a : b per lane, for a mask of all-ones or zero lanes.
    @inlinable @inline(__always)
    public static func select(_ m: SIMD16<UInt32>, _ a: Vector, _ b: Vector) -> Vector {
        let ab = unsafeBitCast(a, to: SIMD16<UInt32>.self), bb = unsafeBitCast(b, to: SIMD16<UInt32>.self)
        return unsafeBitCast((ab & m) | (bb & ~m), to: Vector.self)
    }

    /// |x| per lane (the sign bit cleared).
    @inlinable @inline(__always)
    public static func magnitude(_ x: Vector) -> Vector {
        unsafeBitCast(unsafeBitCast(x, to: SIMD16<UInt32>.self) & 0x7FFF_FFFF, to: Vector.self)
    }

    // MARK: Loads and stores of 16 consecutive floats.

    @inlinable @inline(__always)
    public static func load(_ p: UnsafePointer<Float>) -> Vector {
        UnsafeRawPointer(p).loadUnaligned(as: Vector.self)
    }

    @inlinable @inline(__always)
    public static func store(_ v: Vector, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: Vector.self)
    }
}
