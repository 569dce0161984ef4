import Foundation

// Vectorisable float math. libm's expf/erff cost ~16 ns per call and block vectorisation;
// these are branch-free polynomials accurate to a few ulp, written over SIMD16 lanes.

typealias V16 = SIMD16<Float>

/// e^x for float lanes (Cephes expf: range reduction by ln 2 in two parts, degree-6
/// polynomial, exponent built from bits). Relative error < 2 ulp; 0 below −87.3, inf above 88.7.
@inline(__always)
func vexp(_ x: V16) -> V16 {
    let lo = V16(repeating: -87.33654), hi = V16(repeating: 88.72283)
    let xc = x.clamped(lowerBound: lo, upperBound: hi)
    let n = (xc * 1.44269504088896341).rounded(.toNearestOrEven)
    var r = xc - n * 0.693359375
    r = r + n * 2.12194440e-4
    var p = V16(repeating: 1.9875691500E-4)
    p = p * r + 1.3981999507E-3
    p = p * r + 8.3334519073E-3
    p = p * r + 4.1665795894E-2
    p = p * r + 1.6666665459E-1
    p = p * r + 5.0000001201E-1
    p = p * (r * r) + r + 1
    // 2^n, split in two factors so n = 128 (x near the overflow bound) stays finite.
    let ni = SIMD16<Int32>(n)
    let half = ni &>> 1
    let s1 = unsafeBitCast((half &+ 127) &<< 23, to: V16.self)
    let s2 = unsafeBitCast((ni &- half &+ 127) &<< 23, to: V16.self)
    var y = p * s1 * s2
    y.replace(with: 0, where: x .< lo)
    y.replace(with: Float.infinity, where: x .> hi)
    y.replace(with: x, where: x .!= x)  // NaN stays NaN
    return y
}

@inline(__always)
func vabs(_ x: V16) -> V16 { x.replacing(with: -x, where: x .< 0) }

@inline(__always)
func sexp(_ x: Float) -> Float { vexp(V16(repeating: x))[0] }

/// Applies `f` to n floats in 16-lane blocks (the tail padded, so f sees full vectors).
@inline(__always)
func mapV16(_ n: Int, _ body: (Int, Int) -> Void) {
    var i = 0
    while i + 16 <= n { body(i, 16); i += 16 }
    if i < n { body(i, n - i) }
}

@inline(__always)
func load16(_ p: UnsafePointer<Float>, _ i: Int, _ len: Int, pad: Float = 0) -> V16 {
    if len == 16 { return UnsafeRawPointer(p + i).loadUnaligned(as: V16.self) }
    var v = V16(repeating: pad)
    for j in 0..<len { v[j] = p[i + j] }
    return v
}

@inline(__always)
func store16(_ v: V16, _ p: UnsafeMutablePointer<Float>, _ i: Int, _ len: Int) {
    if len == 16 { UnsafeMutableRawPointer(p + i).storeBytes(of: v, as: V16.self); return }
    for j in 0..<len { p[i + j] = v[j] }
}

/// Standard normal upper tail Q(z) = erfc(z/√2)/2 for z ≥ 0 (Numerical Recipes' erfc
/// Chebyshev fit, fractional error < 1.2e-7 everywhere), so GELU keeps relative accuracy far
/// into the negative tail where x·Φ(x) is tiny.
@inline(__always)
func vNormalTail(_ z: V16) -> V16 {
    let u = z * 0.70710678118654752  // erfc argument
    let t = 1 / (1 + 0.5 * u)
    var p = V16(repeating: 0.17087277)
    p = p * t - 0.82215223
    p = p * t + 1.48851587
    p = p * t - 1.13520398
    p = p * t + 0.27886807
    p = p * t - 0.18628806
    p = p * t + 0.09678418
    p = p * t + 0.37409196
    p = p * t + 1.00002368
    p = p * t - 1.26551223
    return 0.5 * t * vexp(p - u * u)
}

/// Φ(x) (standard normal CDF) and φ(x) (its density), for exact-erf GELU.
@inline(__always)
func vNormalCDFAndPDF(_ x: V16) -> (cdf: V16, pdf: V16) {
    let q = vNormalTail(vabs(x))
    var cdf = 1 - q
    cdf.replace(with: q, where: x .< 0)
    let pdf = 0.3989422804014327 * vexp(-0.5 * x * x)
    return (cdf, pdf)
}

/// Sum of n floats with 16 independent lanes (vectorised; a fixed, deterministic order).
@inline(__always)
func vsum(_ p: UnsafePointer<Float>, _ n: Int) -> Float {
    var acc = V16(repeating: 0)
    var i = 0
    while i + 16 <= n { acc += UnsafeRawPointer(p + i).loadUnaligned(as: V16.self); i += 16 }
    var s = acc.sum()
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
    var s = acc.sum()
    while i < n { s += a[i] * b[i]; i += 1 }
    return s
}
