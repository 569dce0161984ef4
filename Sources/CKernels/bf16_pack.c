// Packing fp32 panels of A and B into the bf16 pair layouts of bf16_internal.h. Full
// 16-wide chunks go through VCVTNE2PS2BF16 (nearest-even, the same rounding as
// bf16_round_scalar); edges take the scalar path and are zero-padded.
#include <immintrin.h>
#include "bf16_internal.h"

// Interleaves the two 16-element halves of a 32 x bf16 vector: [x0..x15, y0..y15] ->
// [x0, y0, x1, y1, ...], i.e. 16 pairs (x_i low, y_i high).
PFN_AVX512BF16 static inline __m512i interleave_halves(__m512i v) {
    const __m512i idx = _mm512_set_epi16(31, 15, 30, 14, 29, 13, 28, 12, 27, 11, 26, 10, 25, 9, 24, 8,
                                         23, 7, 22, 6, 21, 5, 20, 4, 19, 3, 18, 2, 17, 1, 16, 0);
    return _mm512_permutexvar_epi16(idx, v);
}

// 16 pairs (lo[i], hi[i]) as bf16, from 16 floats each.
PFN_AVX512BF16 static inline __m512i pairs_of(__m512 lo, __m512 hi) {
    return interleave_halves((__m512i)_mm512_cvtne2ps_pbh(hi, lo));
}

// 16 pairs (x[2i], x[2i+1]) from 32 consecutive floats.
PFN_AVX512BF16 static inline __m512i pairs_along(const float *x) {
    return (__m512i)_mm512_cvtne2ps_pbh(_mm512_loadu_ps(x + 16), _mm512_loadu_ps(x));
}

// Rows-major A: each row's 32 consecutive k of a group become one 64-byte line.
PFN_AVX512BF16 static void pack_a_rows(const float *a, long lda, long rows, long k0, long kc, uint32_t *dst) {
    const long pairs = (kc + 1) / 2, groups = (pairs + KG - 1) / KG, panelSize = groups * KG * MR;
    const long kEnd = k0 + kc;
    for (long r0 = 0; r0 < rows; r0 += MR) {
        uint32_t *panel = dst + (r0 / MR) * panelSize;
        const long mr = rows - r0 < MR ? rows - r0 : MR;
        for (long g = 0; g < groups; g++) {
            const long kg = k0 + 2 * KG * g;  // first k of the group
            for (long i = 0; i < MR; i++) {  // [MR][KG]
                uint32_t *out = panel + g * KG * MR + i * KG;
                if (i < mr && kg + 2 * KG <= kEnd) {
                    _mm512_storeu_si512(out, pairs_along(a + (r0 + i) * lda + kg));
                } else {
                    for (long p = 0; p < KG; p++) {
                        const long k = kg + 2 * p;
                        float e = (i < mr && k < kEnd) ? a[(r0 + i) * lda + k] : 0.0f;
                        float o = (i < mr && k + 1 < kEnd) ? a[(r0 + i) * lda + k + 1] : 0.0f;
                        out[p] = bf16_pair(e, o);
                    }
                }
            }
        }
    }
}

// Transposed A (memory row k holds A(., k)): memory rows k and k+1 give pair k/2 of every
// row. The sweep goes along memory rows, across all panels, so each row is read once in
// order (walking one panel's 14 columns down 512 rows would thrash L1 and the TLB).
PFN_AVX512BF16 static void pack_a_pairs(const float *a, long lda, long rows, long k0, long kc, uint32_t *dst) {
    const long pairs = (kc + 1) / 2, groups = (pairs + KG - 1) / KG, panelSize = groups * KG * MR;
    const long kEnd = k0 + kc;
    for (long q = 0; q < groups * KG; q++) {  // pair index in the block
        const long k = k0 + 2 * q;
        uint32_t *out = dst + (q / KG) * KG * MR + (q % KG) * MR;  // [KG][MR] within the group
        for (long r0 = 0; r0 < rows; r0 += MR, out += panelSize) {
            const long mr = rows - r0 < MR ? rows - r0 : MR;
            if (k + 1 < kEnd) {
                const __mmask16 rowMask = (__mmask16)((1u << mr) - 1);
                __m512 lo = _mm512_maskz_loadu_ps(rowMask, a + k * lda + r0);
                __m512 hi = _mm512_maskz_loadu_ps(rowMask, a + (k + 1) * lda + r0);
                _mm512_mask_storeu_epi32(out, (__mmask16)((1u << MR) - 1), pairs_of(lo, hi));
            } else {
                for (long i = 0; i < MR; i++) out[i] = bf16_pair(i < mr && k < kEnd ? a[k * lda + r0 + i] : 0.0f, 0.0f);
            }
        }
    }
}

void pfn_pack_a(int transA, const float *a, long lda, long rows, long k0, long kc, uint32_t *dst) {
    if (transA) pack_a_pairs(a, lda, rows, k0, kc, dst);
    else pack_a_rows(a, lda, rows, k0, kc, dst);
}

// Transposes a 16 x 16 block of 32-bit elements held in 16 registers.
PFN_AVX512BF16 static inline void transpose16(__m512i r[16]) {
    __m512i t[16];
    for (int i = 0; i < 16; i += 2) {
        t[i] = _mm512_unpacklo_epi32(r[i], r[i + 1]);
        t[i + 1] = _mm512_unpackhi_epi32(r[i], r[i + 1]);
    }
    for (int i = 0; i < 16; i += 4) {
        r[i] = _mm512_unpacklo_epi64(t[i], t[i + 2]);
        r[i + 1] = _mm512_unpackhi_epi64(t[i], t[i + 2]);
        r[i + 2] = _mm512_unpacklo_epi64(t[i + 1], t[i + 3]);
        r[i + 3] = _mm512_unpackhi_epi64(t[i + 1], t[i + 3]);
    }
    // Each register now holds 4 rows' worth of 128-bit lanes; regroup lanes across registers.
    for (int i = 0; i < 4; i++) {
        __m512i a0 = r[i], a1 = r[i + 4], a2 = r[i + 8], a3 = r[i + 12];
        __m512i b0 = _mm512_shuffle_i32x4(a0, a1, 0x88), b1 = _mm512_shuffle_i32x4(a0, a1, 0xdd);
        __m512i b2 = _mm512_shuffle_i32x4(a2, a3, 0x88), b3 = _mm512_shuffle_i32x4(a2, a3, 0xdd);
        t[i] = _mm512_shuffle_i32x4(b0, b2, 0x88);
        t[i + 8] = _mm512_shuffle_i32x4(b0, b2, 0xdd);
        t[i + 4] = _mm512_shuffle_i32x4(b1, b3, 0x88);
        t[i + 12] = _mm512_shuffle_i32x4(b1, b3, 0xdd);
    }
    for (int i = 0; i < 16; i++) r[i] = t[i];
}

// Row-major B: memory rows k and k+1 give pair k/2 of every column. As for transposed A, the
// sweep goes along memory rows across all panels.
PFN_AVX512BF16 static void pack_b_rows(const float *b, long ldb, long cols, long k0, long kc, uint32_t *dst) {
    const long pairs = (kc + 1) / 2, padded = (pairs + KG - 1) / KG * KG, kEnd = k0 + kc;
    for (long p = 0; p < padded; p++) {
        const long k = k0 + 2 * p;
        for (long c0 = 0; c0 < cols; c0 += NR) {
            uint32_t *out = dst + (c0 / NR) * padded * NR + p * NR;
            for (long j = 0; j < NR; j += 16) {
                const long w = cols - c0 - j;
                const __mmask16 m = w >= 16 ? (__mmask16)0xffff : w > 0 ? (__mmask16)((1u << w) - 1) : 0;
                __m512 lo = k < kEnd ? _mm512_maskz_loadu_ps(m, b + k * ldb + c0 + j) : _mm512_setzero_ps();
                __m512 hi = k + 1 < kEnd ? _mm512_maskz_loadu_ps(m, b + (k + 1) * ldb + c0 + j) : _mm512_setzero_ps();
                _mm512_storeu_si512(out + j, pairs_of(lo, hi));
            }
        }
    }
}

// Transposed B (memory row j holds B(., j)): column j's k run along memory, so 16 columns x
// 16 pairs are converted and transposed in registers.
PFN_AVX512BF16 static void pack_b_columns(const float *b, long ldb, long cols, long k0, long kc, uint32_t *dst) {
    const long pairs = (kc + 1) / 2, padded = (pairs + KG - 1) / KG * KG, kEnd = k0 + kc;
    for (long c0 = 0; c0 < cols; c0 += NR) {
        uint32_t *panel = dst + (c0 / NR) * padded * NR;
        const long nr = cols - c0 < NR ? cols - c0 : NR;
        for (long j = 0; j < NR; j += 16) {
            for (long p = 0; p < padded; p += 16) {
                const long k = k0 + 2 * p;
                if (j + 16 <= nr && k + 32 <= kEnd) {
                    __m512i r[16];
                    for (int q = 0; q < 16; q++) r[q] = pairs_along(b + (c0 + j + q) * ldb + k);
                    transpose16(r);
                    for (int q = 0; q < 16; q++) _mm512_storeu_si512(panel + (p + q) * NR + j, r[q]);
                } else {
                    for (long q = 0; q < 16; q++) {
                        const long kk = k + 2 * q;
                        for (long jj = 0; jj < 16; jj++) {
                            const long col = j + jj;
                            const float *row = b + (c0 + col) * ldb;
                            float e = (col < nr && kk < kEnd) ? row[kk] : 0.0f;
                            float o = (col < nr && kk + 1 < kEnd) ? row[kk + 1] : 0.0f;
                            panel[(p + q) * NR + col] = bf16_pair(e, o);
                        }
                    }
                }
            }
        }
    }
}

void pfn_pack_b(int transB, const float *b, long ldb, long cols, long k0, long kc, uint32_t *dst) {
    if (transB) pack_b_columns(b, ldb, cols, k0, kc, dst);
    else pack_b_rows(b, ldb, cols, k0, kc, dst);
}
