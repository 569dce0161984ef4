import CKernels

/// Arithmetic of the library's large matrix products (linear layers, batched matmul).
/// `bfloat16` rounds both operands to bfloat16 (8-bit mantissa, nearest-even) and sums the
/// products in float32 on AVX-512 BF16 (VDPBF16PS: twice the float32 FMA rate); products
/// below `bfloat16MinimumMultiplyAdds` (attention per head) stay float32, where packing
/// costs more than it saves. On a CPU without AVX-512 BF16 everything stays float32.
/// The default is float32, which keeps the PyTorch parity tests bit-identical.
public enum MatmulPrecision: String, Codable, CaseIterable, Sendable {
    case float32 = "fp32"
    case bfloat16 = "bf16"

    nonisolated(unsafe) public private(set) static var current = MatmulPrecision.float32

    /// Sets the process-wide precision. Like `Threads.setCount`, call it from the thread that
    /// runs the model, not while a step is running.
    public static func set(_ precision: MatmulPrecision) { current = precision }

    /// Whether this CPU runs the bfloat16 kernel (else `bfloat16` computes in float32).
    public static let bfloat16Supported = pfn_bf16_supported() != 0

    /// The precision products actually use: `current`, or float32 where bfloat16 is unsupported.
    public static var effective: MatmulPrecision { current == .bfloat16 && bfloat16Supported ? .bfloat16 : .float32 }

    /// Smallest product (m·n·k) sent to the bfloat16 kernel.
    public static let bfloat16MinimumMultiplyAdds = 1 << 18

    /// Whether an m×n×k product runs in bfloat16. Decided once per whole product (before
    /// any split across threads) so every thread count takes the same kernel.
    @inline(__always)
    static func usesBFloat16(m: Int, n: Int, k: Int) -> Bool {
        current == .bfloat16 && m * n * k >= bfloat16MinimumMultiplyAdds && bfloat16Supported
    }
}

/// One bfloat16 product on the calling thread (`sgemm`'s contract; see `MatmulPrecision`).
@inline(__always)
func bf16GemmSerial(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                    a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                    beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
    pfn_bf16_gemm(transA ? 1 : 0, transB ? 1 : 0, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

/// The plain reference of the bfloat16 product: inputs rounded as the kernel rounds them,
/// products summed in Double. Runs on any CPU; for tests.
func bf16ReferenceGemm(transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int, alpha: Float = 1,
                       a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                       beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
    pfn_bf16_gemm_reference(transA ? 1 : 0, transB ? 1 : 0, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

/// x rounded to bfloat16 as the kernel's packing rounds it, widened back to Float.
func bf16Rounded(_ x: Float) -> Float { Float(bitPattern: UInt32(pfn_bf16_round(x)) << 16) }

/// c[m, n] = op(a)·op(b) on the tensors' storage (row-major, packed), outside any graph, in
/// the current precision and thread count: the product benchmarks time.
public func gemmNoGraph(transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
                        a: Tensor, b: Tensor, into c: Tensor) {
    precondition(a.count >= m * k && b.count >= k * n && c.count >= m * n,
                 "gemmNoGraph: tensors of \(a.count), \(b.count), \(c.count) elements are too small for \(m)×\(n)×\(k)")
    sgemm(transA: transA, transB: transB, m: m, n: n, k: k, a: a.data, lda: transA ? m : k, b: b.data,
          ldb: transB ? k : n, c: c.data, ldc: n)
}
