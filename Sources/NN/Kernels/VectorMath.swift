import CKernels
import Foundation
import Randomness

// Vectorisable float math. libm's expf/erff cost ~16 ns per call and block vectorisation;
// these are branch-free scalar polynomials (selects, wrapping integer ops, no traps) that
// LLVM vectorises inside plain loops over pointers. (Swift's generic SIMD conversions and
// rounding do not compile to vector instructions, so these avoid SIMD types.) Horner steps
// are written as fused multiply-adds (`addingProduct`): one instruction instead of two.

/// e^x (Cephes expf: range reduction by ln 2 in two parts, degree-6 polynomial, the
/// exponent built from bits). Relative error < 2 ulp; 0 below −87.34, inf above 88.72, NaN kept.
@inline(__always)
func fastExp(_ x: Float) -> Float {
    let lo: Float = -87.33654, hi: Float = 88.72283
    var xc = x < lo ? lo : x
    xc = xc > hi ? hi : xc
    // Round x·log2(e) to an integer by adding 1.5·2²³: n then sits in t's low mantissa bits.
    let t = xc * 1.44269504088896341 + 12582912.0
    let n = t - 12582912.0
    var r = xc - n * 0.693359375
    r = r + n * 2.12194440e-4
    var p: Float = 1.9875691500E-4
    p = Float(1.3981999507E-3).addingProduct(p, r)
    p = Float(8.3334519073E-3).addingProduct(p, r)
    p = Float(4.1665795894E-2).addingProduct(p, r)
    p = Float(1.6666665459E-1).addingProduct(p, r)
    p = Float(5.0000001201E-1).addingProduct(p, r)
    p = p * (r * r) + r + 1
    // 2^n as two factors so n = 128 (x near the overflow bound) stays finite.
    let ni = Int32(bitPattern: t.bitPattern &- 0x4B40_0000)
    let half = ni &>> 1
    let s1 = Float(bitPattern: UInt32(bitPattern: (half &+ 127) &<< 23))
    let s2 = Float(bitPattern: UInt32(bitPattern: (ni &- half &+ 127) &<< 23))
    var y = p * s1 * s2
    y = x < lo ? 0 : y
    y = x > hi ? Float.infinity : y
    return y
}

/// Standard normal upper tail Q(z) = erfc(z/√2)/2 for z ≥ 0, with e^(−z²/2) (φ's exponential,
/// which GELU's slope shares). erfc(u) = t·R(t)·e^(−u²) with t = 1/(1 + u/2), where R = e^p of
/// Numerical Recipes' Chebyshev fit p (fractional error < 1.2e-7 everywhere, so GELU keeps
/// relative accuracy far into the negative tail where x·Φ(x) is tiny); R is refitted as a
/// degree-12 polynomial in t (max relative deviation from e^p 4e-9 on [0, 1]), so one exp
/// serves both Q and φ.
@inline(__always)
func normalTailAndGaussian(_ z: Float) -> (tail: Float, gaussian: Float) {
    let u = z * 0.70710678118654752  // erfc argument
    let t = 1 / (1 + 0.5 * u)
    var r: Float = 4.991999269e-02
    r = Float(-2.071277052e-01).addingProduct(r, t)
    r = Float(3.243942857e-01).addingProduct(r, t)
    r = Float(-2.289993018e-01).addingProduct(r, t)
    r = Float(4.058740288e-02).addingProduct(r, t)
    r = Float(1.402110010e-01).addingProduct(r, t)
    r = Float(-2.614114285e-01).addingProduct(r, t)
    r = Float(9.357739985e-02).addingProduct(r, t)
    r = Float(5.811326206e-02).addingProduct(r, t)
    r = Float(1.799619049e-01).addingProduct(r, t)
    r = Float(2.465768307e-01).addingProduct(r, t)
    r = Float(2.821016014e-01).addingProduct(r, t)
    r = Float(2.820947468e-01).addingProduct(r, t)
    let e = fastExp((-0.5 * z) * z)
    return (0.5 * t * r * e, e)
}

/// Φ(x) (standard normal CDF).
@inline(__always)
func normalCDF(_ x: Float) -> Float {
    let q = normalTailAndGaussian(x < 0 ? -x : x).tail
    return x < 0 ? q : 1 - q
}

/// φ(x) (standard normal density).
@inline(__always)
func normalPDF(_ x: Float) -> Float { 0.3989422804014327 * fastExp((-0.5 * x) * x) }

/// Φ(x) and φ(x) from one exp (bit-identical to `normalCDF` and `normalPDF`).
@inline(__always)
func normalCDFAndPDF(_ x: Float) -> (cdf: Float, pdf: Float) {
    let (q, e) = normalTailAndGaussian(x < 0 ? -x : x)
    return (x < 0 ? q : 1 - q, 0.3989422804014327 * e)
}

// MARK: 16 lanes at a time. The loops above compile to 8-lane vectors (LLVM prefers 256-bit
// vectors on these CPUs); GELU is arithmetic-bound, so its hot loops use SIMD16 explicitly.
// Each vector function is the scalar one's operations in the same order (fused multiply-adds
// where it has them), so every lane equals the scalar result bit for bit (tested); lane
// comparisons and selects are `FloatMath`'s (by bits: SIMDMask's compile to lane loops).

/// `fastExp` on 16 lanes.
@inline(__always)
func fastExp(_ x: V16) -> V16 {
    let lo: Float = -87.33654, hi: Float = 88.72283
    var xc = FloatMath.select(FloatMath.less(x, lo), V16(repeating: lo), x)
    xc = FloatMath.select(FloatMath.less(hi, xc), V16(repeating: hi), xc)
    let t = xc * 1.44269504088896341 + 12582912.0
    let n = t - 12582912.0
    var r = xc - n * 0.693359375
    r = r + n * 2.12194440e-4
    var p = V16(repeating: 1.9875691500E-4)
    p = V16(repeating: 1.3981999507E-3).addingProduct(p, r)
    p = V16(repeating: 8.3334519073E-3).addingProduct(p, r)
    p = V16(repeating: 4.1665795894E-2).addingProduct(p, r)
    p = V16(repeating: 1.6666665459E-1).addingProduct(p, r)
    p = V16(repeating: 5.0000001201E-1).addingProduct(p, r)
    p = p * (r * r) + r + 1
    let ni = unsafeBitCast(unsafeBitCast(t, to: SIMD16<UInt32>.self) &- 0x4B40_0000, to: SIMD16<Int32>.self)
    let half = ni &>> 1
    let s1 = unsafeBitCast((half &+ 127) &<< 23, to: V16.self)
    let s2 = unsafeBitCast((ni &- half &+ 127) &<< 23, to: V16.self)
    var y = p * s1 * s2
    y = FloatMath.select(FloatMath.less(x, lo), V16(repeating: 0), y)
    y = FloatMath.select(FloatMath.less(hi, x), V16(repeating: .infinity), y)
    return y
}

/// `normalTailAndGaussian` on 16 lanes (z ≥ 0).
@inline(__always)
func normalTailAndGaussian(_ z: V16) -> (tail: V16, gaussian: V16) {
    let u = z * 0.70710678118654752
    let t = 1 / (1 + 0.5 * u)
    var r = V16(repeating: 4.991999269e-02)
    r = V16(repeating: -2.071277052e-01).addingProduct(r, t)
    r = V16(repeating: 3.243942857e-01).addingProduct(r, t)
    r = V16(repeating: -2.289993018e-01).addingProduct(r, t)
    r = V16(repeating: 4.058740288e-02).addingProduct(r, t)
    r = V16(repeating: 1.402110010e-01).addingProduct(r, t)
    r = V16(repeating: -2.614114285e-01).addingProduct(r, t)
    r = V16(repeating: 9.357739985e-02).addingProduct(r, t)
    r = V16(repeating: 5.811326206e-02).addingProduct(r, t)
    r = V16(repeating: 1.799619049e-01).addingProduct(r, t)
    r = V16(repeating: 2.465768307e-01).addingProduct(r, t)
    r = V16(repeating: 2.821016014e-01).addingProduct(r, t)
    r = V16(repeating: 2.820947468e-01).addingProduct(r, t)
    let e = fastExp((-0.5 * z) * z)
    return (0.5 * t * r * e, e)
}

/// GELU z·Φ(z) on 16 lanes (`z * normalCDF(z)` per lane).
@inline(__always)
func gelu(_ z: V16) -> V16 {
    let negative = laneSignMask(z)
    let q = normalTailAndGaussian(FloatMath.magnitude(z)).tail
    return z * FloatMath.select(negative, q, 1 - q)
}

/// GELU and its slope Φ(z) + z·φ(z) on 16 lanes (as `normalCDFAndPDF` per lane).
@inline(__always)
func geluAndSlope(_ z: V16) -> (y: V16, slope: V16) {
    let negative = laneSignMask(z)
    let (q, e) = normalTailAndGaussian(FloatMath.magnitude(z))
    let c = FloatMath.select(negative, q, 1 - q)
    return (z * c, c + z * (0.3989422804014327 * e))
}

/// Whether `pfn_gelu_row` (AVX-512F intrinsics, the same bits as `swiftGeluRow` in ~0.7 of
/// the time) runs on this CPU.
let cGelu = BLASCore.simdLevel >= 2

// x [n], bias [n] (optional) → y [n], slope [n] (optional)
/// y = GELU(z) for z = x + bias (bias nil: z = x), its slope Φ(z) + z·φ(z) into `slope` when
/// given, then `dropout`'s mask over element indices base + j (dropped values and slopes 0,
/// kept values scaled): the C kernels on AVX-512F CPUs, `swiftGeluRow` elsewhere.
@inline(__always)
func geluRow(_ x: UnsafePointer<Float>, bias: UnsafePointer<Float>?, _ y: UnsafeMutablePointer<Float>,
             slope: UnsafeMutablePointer<Float>? = nil, dropout: DropoutMask? = nil, base: Int = 0, _ n: Int) {
    guard cGelu else { return swiftGeluRow(x, bias: bias, y, slope: slope, dropout: dropout, base: base, n) }
    if let m = dropout {
        let drop = pfn_dropout(base: UInt32(truncatingIfNeeded: base), key0: m.key0, key1: m.key1, threshold: m.threshold, scale: m.scale)
        pfn_gelu_dropout_row(x, bias, y, slope, n, drop)
    } else {
        pfn_gelu_row(x, bias, y, slope, n)
    }
}

/// `geluRow` in Swift, 16 lanes at a time and the rest by the scalar functions (every lane
/// equals them bit for bit): the kernel on CPUs without AVX-512F, and the C kernels' reference.
@inline(__always)
func swiftGeluRow(_ x: UnsafePointer<Float>, bias: UnsafePointer<Float>?, _ y: UnsafeMutablePointer<Float>,
                  slope d: UnsafeMutablePointer<Float>?, dropout: DropoutMask?, base: Int, _ n: Int) {
    var j = 0
    while j + 16 <= n {
        let v = FloatMath.load(x + j), z = bias.map { v + FloatMath.load($0 + j) } ?? v
        if let d { let (g, s) = geluAndSlope(z); FloatMath.store(g, y + j); FloatMath.store(s, d + j) }
        else { FloatMath.store(gelu(z), y + j) }
        j += 16
    }
    while j < n {
        let z = bias.map { x[j] + $0[j] } ?? x[j]
        let (c, density) = normalCDFAndPDF(z)
        y[j] = z * c
        d?[j] = c + z * density
        j += 1
    }
    guard let dropout else { return }
    dropout.apply(y, y, offset: base, n: n)
    if let d {
        let b = UInt32(truncatingIfNeeded: base)
        for j in 0..<n where !dropout.keeps(b &+ UInt32(truncatingIfNeeded: j)) { d[j] = 0 }
    }
}

/// All ones where x's sign bit is set (−0 included: Φ's two branches agree there).
@inline(__always)
func laneSignMask(_ x: V16) -> SIMD16<UInt32> {
    unsafeBitCast(unsafeBitCast(x, to: SIMD16<Int32>.self) &>> 31, to: SIMD16<UInt32>.self)
}

/// Logistic sigmoid without overflow for any x.
@inline(__always)
func fastSigmoid(_ x: Float) -> Float {
    let e = fastExp(x < 0 ? x : -x)  // e^−|x| in (0, 1]
    let s = 1 / (1 + e)
    return x < 0 ? e * s : s
}

typealias V16 = SIMD16<Float>

/// Sum of n floats with 16 independent lanes (vectorised; a fixed, deterministic order).
@inline(__always)
func vsum(_ p: UnsafePointer<Float>, _ n: Int) -> Float {
    var acc = V16(repeating: 0)
    var i = 0
    while i + 16 <= n { acc += UnsafeRawPointer(p + i).loadUnaligned(as: V16.self); i += 16 }
    var s: Float = 0
    for j in 0..<16 { s += acc[j] }
    while i < n { s += p[i]; i += 1 }
    return s
}

/// Dot product of n floats, 16 lanes.
@inline(__always)
func vdot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
    var acc = V16(repeating: 0)
    var i = 0
    while i + 16 <= n {
        acc += UnsafeRawPointer(a + i).loadUnaligned(as: V16.self) * UnsafeRawPointer(b + i).loadUnaligned(as: V16.self)
        i += 16
    }
    var s: Float = 0
    for j in 0..<16 { s += acc[j] }
    while i < n { s += a[i] * b[i]; i += 1 }
    return s
}
