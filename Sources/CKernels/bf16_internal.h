// Shared by the bf16 GEMM's files: the register tile and the packed-panel layouts.
#ifndef PFN_BF16_INTERNAL_H
#define PFN_BF16_INTERNAL_H

#include <stdint.h>
#include <string.h>

#define PFN_AVX512BF16 __attribute__((target("avx512f,avx512bf16,avx512bw,avx512vl")))

// Register tile of C: MR rows x NR columns = MR x 2 zmm accumulators (28 of 32 registers).
#define MR 14
#define NR 32
// K is packed in pairs (VDPBF16PS multiplies a pair of bf16 per fp32 lane) and in groups of
// KG pairs; a K block is at most KCP pairs (its B micro-panel, KCP*NR*4 bytes; 256 measured best).
#define KG 16
#define KCP 256
// Rows of A per packed block (in L2) and columns of B per packed block.
#define MC (MR * 24)
#define NC 2048

// Packed A panel (MR rows, one K block), group by group, in one of two layouts:
// rows-major within a group ([MR][KG] pairs: a row's 32 consecutive k in one cache line,
// the cheap layout when A's rows are contiguous) or pair-major ([KG][MR] pairs: cheap when
// A is transposed in memory). The microkernel reads either by broadcasting one pair.
enum { A_ROWS = 0, A_PAIRS = 1 };

// Packed B panel (NR columns, one K block): [pairs][NR], each pair two bf16 (low half the
// even k). Columns and pairs past the matrix are zero, so they add exact zeros.

static inline uint16_t bf16_round_scalar(float x) {
    uint32_t u;
    memcpy(&u, &x, 4);
    if ((u & 0x7f800000u) == 0) return (uint16_t)((u >> 16) & 0x8000u);        // DAZ like VCVTNEPS2BF16
    if ((u & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((u >> 16) | 0x0040u);  // quiet NaN
    u += 0x7fffu + ((u >> 16) & 1u);
    return (uint16_t)(u >> 16);
}

static inline uint32_t bf16_pair(float even, float odd) {
    return (uint32_t)bf16_round_scalar(even) | ((uint32_t)bf16_round_scalar(odd) << 16);
}

void pfn_pack_a(int transA, const float *a, long lda, long rows, long k0, long kc, uint32_t *dst);
void pfn_pack_b(int transB, const float *b, long ldb, long cols, long k0, long kc, uint32_t *dst);

#endif
