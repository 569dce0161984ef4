#ifndef PFN_CKERNELS_H
#define PFN_CKERNELS_H

#include <stdint.h>

/// 1 when this CPU (and OS) can run the AVX-512 BF16 kernel, else 0.
int pfn_bf16_supported(void);

/// Row-major C[m,n] = alpha * op(A) * op(B) + beta * C, the contract of cblas_sgemm
/// (op(X) = X or its transpose, lda/ldb/ldc are row strides), except that A and B are
/// rounded to bfloat16 (round-to-nearest-even; fp32 denormals flush to zero) and the
/// products accumulate in fp32. beta == 0 never reads C. Single-threaded; only call it
/// when pfn_bf16_supported() returns 1. Each element of C is summed in an order that
/// depends only on k, so any split of C into blocks gives the same bits.
void pfn_bf16_gemm(int transA, int transB, long m, long n, long k, float alpha,
                   const float *a, long lda, const float *b, long ldb,
                   float beta, float *c, long ldc);

/// The plain-C reference of pfn_bf16_gemm: same rounding of the inputs, products summed in
/// double, for tests. Runs anywhere.
void pfn_bf16_gemm_reference(int transA, int transB, long m, long n, long k, float alpha,
                             const float *a, long lda, const float *b, long ldb,
                             float beta, float *c, long ldc);

/// x rounded to bfloat16 as the kernel rounds it (nearest, ties to even; denormals to
/// signed zero; NaN stays NaN), returned as the 16 bit pattern.
uint16_t pfn_bf16_round(float x);

/// dst[c * rows + r] = src[r * cols + c] (accumulate != 0: +=) for a row-major [rows, cols]
/// src; the two buffers must not overlap. AVX-512 16x16 blocks where the CPU has AVX-512F.
void pfn_transpose(const float *src, float *dst, long rows, long cols, int accumulate);

/// The widest SIMD this CPU and OS run: 2 = AVX-512 F/CD/BW/DQ/VL (what OpenBLAS's
/// SkylakeX kernels use), 1 = AVX2 with FMA (its Haswell kernels), 0 = neither.
int pfn_simd_level(void);

/// y[j] = GELU(z[j]) = z·Φ(z) for z[j] = x[j] (+ bias[j] when bias is not NULL), and, when
/// slope is not NULL, slope[j] = Φ(z) + z·φ(z); bit for bit NN's Swift `gelu`/`geluAndSlope`.
/// AVX-512F: only call it when pfn_simd_level() returns 2.
void pfn_gelu_row(const float *x, const float *bias, float *y, float *slope, long n);

/// NN's DropoutMask: element i is kept when its keyed hash is ≥ threshold, then scaled.
typedef struct { uint32_t base, key0, key1, threshold; float scale; } pfn_dropout;

/// pfn_gelu_row, then dropout as NN's fused biasActivationDropout applies it: element j is
/// kept when the mask keeps index base + j (wrapping); kept values are multiplied by scale,
/// dropped values and their slopes are 0. AVX-512F only.
void pfn_gelu_dropout_row(const float *x, const float *bias, float *y, float *slope, long n, pfn_dropout drop);

#endif
