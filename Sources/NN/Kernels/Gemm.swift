import COpenBLAS
import Dispatch

/// Row-major sgemm: C[M, N] = alpha · op(A) · op(B) + beta · C, with leading dimensions
/// (row strides) so strided sub-matrices (one head of a packed QKV buffer, one node of a
/// [B, N, D] tensor) are used in place. Large products are split into `Threads.count`
/// blocks of C's rows (or columns when M is small), each a single-threaded OpenBLAS call on
/// its own thread: each element of C sees the same summation as unsplit. Under
/// `MatmulPrecision.bfloat16`, large products use the bf16 kernel instead of OpenBLAS.
/// (Twice as many blocks as threads, taken by whichever thread is free, measured no faster
/// on 2 cores: each block packs the shared operand again.)
func sgemm(transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int, alpha: Float = 1,
           a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
           beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
    _ = Threads.serialBLAS
    let t = Threads.count
    let bf16 = MatmulPrecision.usesBFloat16(m: m, n: n, k: k)
    guard t > 1, 2 * m * n * k >= 1 << 22 else {
        sgemmSerial(bf16: bf16, transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda,
                    b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
        return
    }
    // Each block packs its own copy of the operand the split does not cut: bf16 splits the
    // longer side so the copy is the smaller operand (dyᵀ·h would otherwise pack h twice).
    if m >= n || (!bf16 && m >= 32 * t) {
        let rows = (m + t - 1) / t
        parallelFor(t) { i in
            let r0 = i * rows, r1 = min(m, r0 + rows)
            guard r0 < r1 else { return }
            sgemmSerial(bf16: bf16, transA: transA, transB: transB, m: r1 - r0, n: n, k: k, alpha: alpha,
                        a: transA ? a + r0 : a + r0 * lda, lda: lda, b: b, ldb: ldb, beta: beta, c: c + r0 * ldc, ldc: ldc)
        }
    } else {
        let cols = (n + t - 1) / t
        parallelFor(t) { i in
            let c0 = i * cols, c1 = min(n, c0 + cols)
            guard c0 < c1 else { return }
            sgemmSerial(bf16: bf16, transA: transA, transB: transB, m: m, n: c1 - c0, k: k, alpha: alpha, a: a, lda: lda,
                        b: transB ? b + c0 * ldb : b + c0, ldb: ldb, beta: beta, c: c + c0, ldc: ldc)
        }
    }
}

@inline(__always)
func sgemmSerial(bf16: Bool = false, transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int, alpha: Float = 1,
           a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
           beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
    if m == 0 || n == 0 { return }
    if k == 0 {
        // beta 0 stores 0 without reading C, which may be uninitialised (as BLAS).
        if beta != 1 { for i in 0..<m { for j in 0..<n { c[i * ldc + j] = beta == 0 ? 0 : c[i * ldc + j] * beta } } }
        return
    }
    if bf16 {
        bf16GemmSerial(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
                       beta: beta, c: c, ldc: ldc)
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

/// The threading plan: OpenBLAS runs single-threaded (its pthreads spin after each call and
/// do not parallelise small products); the library splits large products and the big
/// elementwise kernels itself into `count` blocks on its own worker threads. Results are
/// deterministic for a given count.
public enum Threads {
    nonisolated(unsafe) public private(set) static var count = 1
    nonisolated(unsafe) static var pool: WorkerPool?
    static let serialBLAS: Bool = { openblas_set_num_threads(1); return true }()

    /// Sets the number of threads (1 = everything on the calling thread). Call it from the
    /// thread that runs the model, not while a step is running. When the system refuses some
    /// of the threads (a pids limit), the count is what could be started: returns the count
    /// in effect.
    @discardableResult
    public static func setCount(_ n: Int) -> Int {
        precondition(n >= 1, "thread count must be at least 1")
        _ = serialBLAS
        if n > 1 && (pool?.size ?? 1) < n {
            let fresh = WorkerPool(size: n)  // workers are kept
            if fresh.size > (pool?.size ?? 1) { pool = fresh }
        }
        count = min(n, pool?.size ?? 1)
        return count
    }
}

/// Runs body(i) for every i in 0..<n on up to Threads.count threads (serially with one
/// thread, without a pool, or when called from inside a running job); returns when all are
/// done. Each i runs once, on whichever thread takes it next: results must not depend on which.
@inline(__always)
func parallelFor(_ n: Int, _ body: (Int) -> Void) {
    if n > 1, Threads.count > 1, let pool = Threads.pool, !pool.busy {
        pool.run(n, threads: Threads.count, body)
    } else {
        for i in 0..<n { body(i) }
    }
}

/// Splits 0..<count into Threads.count contiguous ranges (fewer when count is small) and runs
/// them concurrently: body(chunkIndex, range). Public for the models' input preparation.
public func parallelRanges(_ count: Int, minimumPerChunk: Int = 4096, _ body: (Int, Range<Int>) -> Void) {
    let chunks = max(1, min(Threads.count, count / max(minimumPerChunk, 1)))
    let size = (count + chunks - 1) / max(chunks, 1)
    parallelFor(chunks) { i in
        let lo = i * size, hi = min(count, lo + size)
        if lo < hi { body(i, lo..<hi) }
    }
}
