// bf16 GEMM on AVX-512 BF16 (VDPBF16PS: 16 fp32 lanes, each += a pair of bf16 products),
// Goto/BLIS structure: for each NC block of B's columns and KCP-pair block of K, pack B into
// bf16 pairs; for each MC block of A's rows, pack A; then an MR x NR register tile per
// (A panel, B panel). Products are exact in fp32; sums are fp32, in k order per element.
#include <immintrin.h>
#include <stdlib.h>
#include "CKernels.h"
#include "bf16_internal.h"

// Packing buffers, one pair per thread, grown on demand and kept (the callers' worker
// threads live as long as the process).
static _Thread_local uint32_t *packA, *packB;
static _Thread_local size_t capA, capB;

static uint32_t *reserve(uint32_t **buf, size_t *cap, size_t count) {
    if (count > *cap) {
        free(*buf);
        size_t bytes = (count * sizeof(uint32_t) + 63) & ~(size_t)63;
        *buf = aligned_alloc(64, bytes);
        *cap = *buf ? count : 0;
    }
    return *buf;
}

// acc[i][v] += A-pair(i, p) * B(p, 16v..16v+15) over `groups` groups of KG pairs.
// `layout` is a compile-time constant at each call, so both layouts get their own unrolled
// loop with constant displacements (the broadcasts fold into VDPBF16PS's {1to16} operand).
PFN_AVX512BF16 static inline __attribute__((always_inline))
void tile(int layout, long groups, const uint32_t *a, const uint32_t *b, __m512 acc[MR][2]) {
    for (long g = 0; g < groups; g++) {
#pragma clang loop unroll(full)
        for (int p = 0; p < KG; p++) {
            const __m512bh b0 = (__m512bh)_mm512_loadu_si512(b + p * NR);
            const __m512bh b1 = (__m512bh)_mm512_loadu_si512(b + p * NR + 16);
#pragma clang loop unroll(full)
            for (int i = 0; i < MR; i++) {
                const uint32_t pair = layout == A_ROWS ? a[i * KG + p] : a[p * MR + i];
                const __m512bh av = (__m512bh)_mm512_set1_epi32((int)pair);
                acc[i][0] = _mm512_dpbf16_ps(acc[i][0], av, b0);
                acc[i][1] = _mm512_dpbf16_ps(acc[i][1], av, b1);
            }
        }
        a += KG * MR;
        b += KG * NR;
    }
}

// One MR x NR tile of C (mr x nr of it real): C = alpha * (A panel · B panel) + beta * C.
PFN_AVX512BF16 static inline __attribute__((always_inline))
void kernel(int layout, long groups, const uint32_t *a, const uint32_t *b, float alpha, float beta,
            float *c, long ldc, long mr, long nr) {
    __m512 acc[MR][2];
#pragma clang loop unroll(full)
    for (int i = 0; i < MR; i++) acc[i][0] = acc[i][1] = _mm512_setzero_ps();
    tile(layout, groups, a, b, acc);
    const __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
    const __mmask16 m0 = nr >= 16 ? 0xffff : (__mmask16)((1u << nr) - 1);
    const __mmask16 m1 = nr >= 32 ? 0xffff : nr > 16 ? (__mmask16)((1u << (nr - 16)) - 1) : 0;
#pragma clang loop unroll(full)
    for (int i = 0; i < MR; i++) {
        if (i >= mr) break;
        float *row = c + i * ldc;
        __m512 r0 = _mm512_mul_ps(va, acc[i][0]), r1 = _mm512_mul_ps(va, acc[i][1]);
        if (beta != 0) {
            r0 = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(m0, row), r0);
            r1 = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(m1, row + 16), r1);
        }
        _mm512_mask_storeu_ps(row, m0, r0);
        _mm512_mask_storeu_ps(row + 16, m1, r1);
    }
}

PFN_AVX512BF16 __attribute__((noinline)) static void kernel_rows(long groups, const uint32_t *a, const uint32_t *b,
        float alpha, float beta, float *c, long ldc, long mr, long nr) {
    kernel(A_ROWS, groups, a, b, alpha, beta, c, ldc, mr, nr);
}

PFN_AVX512BF16 __attribute__((noinline)) static void kernel_pairs(long groups, const uint32_t *a, const uint32_t *b,
        float alpha, float beta, float *c, long ldc, long mr, long nr) {
    kernel(A_PAIRS, groups, a, b, alpha, beta, c, ldc, mr, nr);
}

static void scale(long m, long n, float beta, float *c, long ldc) {
    for (long i = 0; i < m; i++)
        for (long j = 0; j < n; j++) c[i * ldc + j] = beta == 0 ? 0.0f : beta * c[i * ldc + j];
}

void pfn_bf16_gemm(int transA, int transB, long m, long n, long k, float alpha,
                   const float *a, long lda, const float *b, long ldb,
                   float beta, float *c, long ldc) {
    if (m <= 0 || n <= 0) return;
    if (k <= 0 || alpha == 0) { if (beta != 1) scale(m, n, beta, c, ldc); return; }
    const long groupsMax = KCP / KG;
    // K blocks of equal size (whole groups of 2·KG), so no block is a thin remainder whose
    // C load and store cost more than its products.
    const long blocks = (k + 2 * KCP - 1) / (2 * KCP);
    const long kBlock = ((k + blocks - 1) / blocks + 2 * KG - 1) / (2 * KG) * (2 * KG);
    uint32_t *bp = reserve(&packB, &capB, (size_t)groupsMax * KG * ((NC + NR - 1) / NR * NR));
    uint32_t *ap = reserve(&packA, &capA, (size_t)groupsMax * KG * MC);
    if (!bp || !ap) abort();  // out of memory for a few MB of panels
    for (long j0 = 0; j0 < n; j0 += NC) {
        const long nc = n - j0 < NC ? n - j0 : NC;
        for (long k0 = 0; k0 < k; k0 += kBlock) {
            const long kc = k - k0 < kBlock ? k - k0 : kBlock;
            const long groups = ((kc + 1) / 2 + KG - 1) / KG;
            const float betaK = k0 == 0 ? beta : 1.0f;  // later K blocks add to C
            pfn_pack_b(transB, transB ? b + j0 * ldb : b + j0, ldb, nc, k0, kc, bp);
            for (long i0 = 0; i0 < m; i0 += MC) {
                const long mc = m - i0 < MC ? m - i0 : MC;
                pfn_pack_a(transA, transA ? a + i0 : a + i0 * lda, lda, mc, k0, kc, ap);
                for (long jr = 0; jr < nc; jr += NR) {
                    const uint32_t *bpanel = bp + (jr / NR) * groups * KG * NR;
                    const long nr = nc - jr < NR ? nc - jr : NR;
                    for (long ir = 0; ir < mc; ir += MR) {
                        const uint32_t *apanel = ap + (ir / MR) * groups * KG * MR;
                        const long mr = mc - ir < MR ? mc - ir : MR;
                        float *ct = c + (i0 + ir) * ldc + j0 + jr;
                        if (transA) kernel_pairs(groups, apanel, bpanel, alpha, betaK, ct, ldc, mr, nr);
                        else kernel_rows(groups, apanel, bpanel, alpha, betaK, ct, ldc, mr, nr);
                    }
                }
            }
        }
    }
}
