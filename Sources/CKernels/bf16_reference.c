// The portable side of the bf16 GEMM: CPU detection, the scalar rounding, and the reference
// product the tests hold the kernel to.
#include <cpuid.h>
#include "CKernels.h"
#include "bf16_internal.h"

int pfn_bf16_supported(void) {
    static int cached = -1;
    if (cached >= 0) return cached;
    unsigned eax, ebx, ecx, edx;
    int ok = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
             __builtin_cpu_supports("avx512vl");
    // AVX512_BF16 is CPUID leaf 7, sub-leaf 1, EAX bit 5 (__builtin_cpu_supports checks
    // that the OS saves zmm state for the avx512 features above).
    if (ok) ok = __get_cpuid_count(7, 1, &eax, &ebx, &ecx, &edx) && (eax & (1u << 5));
    cached = ok;
    return ok;
}

uint16_t pfn_bf16_round(float x) { return bf16_round_scalar(x); }

static float widen(uint16_t h) {
    uint32_t u = (uint32_t)h << 16;
    float f;
    memcpy(&f, &u, 4);
    return f;
}

void pfn_bf16_gemm_reference(int transA, int transB, long m, long n, long k, float alpha,
                             const float *a, long lda, const float *b, long ldb,
                             float beta, float *c, long ldc) {
    for (long i = 0; i < m; i++) {
        for (long j = 0; j < n; j++) {
            double s = 0;
            for (long p = 0; p < k; p++) {
                float av = widen(bf16_round_scalar(transA ? a[p * lda + i] : a[i * lda + p]));
                float bv = widen(bf16_round_scalar(transB ? b[j * ldb + p] : b[p * ldb + j]));
                s += (double)av * (double)bv;
            }
            float prior = beta == 0 ? 0.0f : beta * c[i * ldc + j];
            c[i * ldc + j] = alpha * (float)s + prior;
        }
    }
}
