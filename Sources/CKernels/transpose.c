// Out-of-place 2-D transpose, dst[c, r] (+)= src[r, c], in 16x16 AVX-512 register blocks
// (unpack / shuffle / lane-shuffle network) with a scalar edge; plain C on CPUs without
// AVX-512F. Used for the pair context's channels-last <-> channels-first permutations.
#include <immintrin.h>
#include "CKernels.h"

#define PFN_AVX512F __attribute__((target("avx512f")))

// dst[16 x 16 block at d, row stride ld] (+)= transpose of src block at s (row stride ls).
PFN_AVX512F static inline void block16(const float *s, long ls, float *d, long ld, int acc) {
    __m512 r[16], t[16];
    for (int i = 0; i < 16; i++) r[i] = _mm512_loadu_ps(s + i * ls);
    for (int i = 0; i < 16; i += 2) {
        t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
        t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
    }
    for (int i = 0; i < 16; i += 4) {
        r[i] = _mm512_shuffle_ps(t[i], t[i + 2], 0x44);
        r[i + 1] = _mm512_shuffle_ps(t[i], t[i + 2], 0xEE);
        r[i + 2] = _mm512_shuffle_ps(t[i + 1], t[i + 3], 0x44);
        r[i + 3] = _mm512_shuffle_ps(t[i + 1], t[i + 3], 0xEE);
    }
    for (int h = 0; h < 16; h += 8) {
        for (int i = 0; i < 4; i++) {
            t[h + i] = _mm512_shuffle_f32x4(r[h + i], r[h + i + 4], 0x88);
            t[h + i + 4] = _mm512_shuffle_f32x4(r[h + i], r[h + i + 4], 0xDD);
        }
    }
    for (int i = 0; i < 8; i++) {
        r[i] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0x88);
        r[i + 8] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0xDD);
    }
    for (int i = 0; i < 16; i++) {
        __m512 v = r[i];
        if (acc) v = _mm512_add_ps(v, _mm512_loadu_ps(d + i * ld));
        _mm512_storeu_ps(d + i * ld, v);
    }
}

static void scalar(const float *src, float *dst, long rows, long cols, long r0, long r1, long c0, long c1, int acc) {
    for (long r = r0; r < r1; r++)
        for (long c = c0; c < c1; c++) {
            if (acc) dst[c * rows + r] += src[r * cols + c]; else dst[c * rows + r] = src[r * cols + c];
        }
}

PFN_AVX512F static void transpose512(const float *src, float *dst, long rows, long cols, int acc) {
    long R = rows & ~15L, C = cols & ~15L;
    for (long r = 0; r < R; r += 16)
        for (long c = 0; c < C; c += 16) block16(src + r * cols + c, cols, dst + c * rows + r, rows, acc);
    scalar(src, dst, rows, cols, 0, R, C, cols, acc);
    scalar(src, dst, rows, cols, R, rows, 0, cols, acc);
}

void pfn_transpose(const float *src, float *dst, long rows, long cols, int accumulate) {
    if (__builtin_cpu_supports("avx512f")) transpose512(src, dst, rows, cols, accumulate);
    else scalar(src, dst, rows, cols, 0, rows, 0, cols, accumulate);
}
