import COpenBLAS

/// Row-major sgemm: C[M, N] = alpha · op(A) · op(B) + beta · C, with leading dimensions
/// (row strides) so strided sub-matrices (one head of a packed QKV buffer, one node of a
/// [B, N, D] tensor) are used in place.
@inline(__always)
func sgemm(transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int, alpha: Float = 1,
           a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
           beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
    if m == 0 || n == 0 { return }
    if k == 0 {
        if beta != 1 { for i in 0..<m { for j in 0..<n { c[i * ldc + j] *= beta } } }
        return
    }
    cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
}

/// Plain triple-loop version of `sgemm` (Double accumulation), the reference in tests.
func referenceGemm(transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int, alpha: Float = 1,
                   a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                   beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
    for i in 0..<m {
        for j in 0..<n {
            var s = 0.0
            for p in 0..<k {
                let av = transA ? a[p * lda + i] : a[i * lda + p]
                let bv = transB ? b[j * ldb + p] : b[p * ldb + j]
                s += Double(av) * Double(bv)
            }
            c[i * ldc + j] = alpha * Float(s) + (beta == 0 ? 0 : beta * c[i * ldc + j])
        }
    }
}

/// The threading plan: OpenBLAS's own threads parallelise the large products (which are
/// nearly all of a step's flops); every other kernel runs on the calling thread.
public enum Threads {
    /// Sets how many threads OpenBLAS uses (1 = fully serial, bit-reproducible per count).
    public static func setCount(_ n: Int) {
        precondition(n >= 1, "thread count must be at least 1")
        openblas_set_num_threads(Int32(n))
    }

    public static var count: Int { Int(openblas_get_num_threads()) }
}
