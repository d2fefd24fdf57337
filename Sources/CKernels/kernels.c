// Matrix-vector product for batch-1 inference. Swift's SIMD types compile to SSE for the baseline target the
// package builds for; the AVX2+FMA variant below doubles the lane count and fuses the multiply-add, and is
// selected per call from the CPU's feature bits (read once with CPUID), so the binary stays portable.
#include "CKernels.h"

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <cpuid.h>
#include <immintrin.h>
#define ENPIRE_HAVE_X86 1
#else
#define ENPIRE_HAVE_X86 0
#endif

static void matvec_add_portable(int rows, int columns, const float *w, const float *x, float *y) {
    for (int r = 0; r < rows; r++) {
        const float *row = w + (long)r * columns;
        float a0 = 0, a1 = 0, a2 = 0, a3 = 0;
        int c = 0;
        for (; c + 4 <= columns; c += 4) {
            a0 += row[c] * x[c];
            a1 += row[c + 1] * x[c + 1];
            a2 += row[c + 2] * x[c + 2];
            a3 += row[c + 3] * x[c + 3];
        }
        for (; c < columns; c++) a0 += row[c] * x[c];
        y[r] += (a0 + a1) + (a2 + a3);
    }
}

#if ENPIRE_HAVE_X86
__attribute__((target("avx2,fma"))) static inline float horizontal_sum(__m256 v) {
    __m128 low = _mm256_castps256_ps128(v), high = _mm256_extractf128_ps(v, 1);
    __m128 s = _mm_add_ps(low, high);
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 0x55));
    return _mm_cvtss_f32(s);
}

// Four rows at a time: one load of x feeds four fused multiply-adds, and two accumulators per row hide the
// FMA latency on long rows.
__attribute__((target("avx2,fma"))) static void matvec_add_avx2(int rows, int columns, const float *w,
                                                                const float *x, float *y) {
    const int vectorised = columns & ~15;
    int r = 0;
    for (; r + 4 <= rows; r += 4) {
        const float *w0 = w + (long)r * columns, *w1 = w0 + columns, *w2 = w1 + columns, *w3 = w2 + columns;
        __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps(), a2 = _mm256_setzero_ps(),
               a3 = _mm256_setzero_ps();
        __m256 b0 = _mm256_setzero_ps(), b1 = _mm256_setzero_ps(), b2 = _mm256_setzero_ps(),
               b3 = _mm256_setzero_ps();
        int c = 0;
        for (; c < vectorised; c += 16) {
            __m256 xa = _mm256_loadu_ps(x + c), xb = _mm256_loadu_ps(x + c + 8);
            a0 = _mm256_fmadd_ps(_mm256_loadu_ps(w0 + c), xa, a0);
            a1 = _mm256_fmadd_ps(_mm256_loadu_ps(w1 + c), xa, a1);
            a2 = _mm256_fmadd_ps(_mm256_loadu_ps(w2 + c), xa, a2);
            a3 = _mm256_fmadd_ps(_mm256_loadu_ps(w3 + c), xa, a3);
            b0 = _mm256_fmadd_ps(_mm256_loadu_ps(w0 + c + 8), xb, b0);
            b1 = _mm256_fmadd_ps(_mm256_loadu_ps(w1 + c + 8), xb, b1);
            b2 = _mm256_fmadd_ps(_mm256_loadu_ps(w2 + c + 8), xb, b2);
            b3 = _mm256_fmadd_ps(_mm256_loadu_ps(w3 + c + 8), xb, b3);
        }
        float s0 = horizontal_sum(_mm256_add_ps(a0, b0)), s1 = horizontal_sum(_mm256_add_ps(a1, b1));
        float s2 = horizontal_sum(_mm256_add_ps(a2, b2)), s3 = horizontal_sum(_mm256_add_ps(a3, b3));
        for (; c < columns; c++) {
            float v = x[c];
            s0 += w0[c] * v;
            s1 += w1[c] * v;
            s2 += w2[c] * v;
            s3 += w3[c] * v;
        }
        y[r] += s0;
        y[r + 1] += s1;
        y[r + 2] += s2;
        y[r + 3] += s3;
    }
    if (r < rows) matvec_add_portable(rows - r, columns, w + (long)r * columns, x, y + r);
}

// CPUID leaf 1 (FMA, OSXSAVE, AVX) and leaf 7 (AVX2), plus XGETBV: the OS must save the YMM registers.
static int detect_avx2_fma(void) {
    unsigned int a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    const unsigned int fma = 1u << 12, osxsave = 1u << 27, avx = 1u << 28;
    if ((c & (fma | osxsave | avx)) != (fma | osxsave | avx)) return 0;
    unsigned int xcr0_low, xcr0_high;
    __asm__ volatile("xgetbv" : "=a"(xcr0_low), "=d"(xcr0_high) : "c"(0));
    if ((xcr0_low & 6u) != 6u) return 0;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
    return (b & (1u << 5)) != 0;
}

// -1 until detected; a benign race (every thread computes the same value).
static _Atomic int avx2_fma_state = -1;

static int has_avx2_fma(void) {
    int state = avx2_fma_state;
    if (state < 0) {
        state = detect_avx2_fma();
        avx2_fma_state = state;
    }
    return state;
}
#endif

int enpire_kernels_vectorised(void) {
#if ENPIRE_HAVE_X86
    return has_avx2_fma();
#else
    return 0;
#endif
}

void enpire_matvec_add(int rows, int columns, const float *w, const float *x, float *y) {
#if ENPIRE_HAVE_X86
    if (has_avx2_fma()) {
        matvec_add_avx2(rows, columns, w, x, y);
        return;
    }
#endif
    matvec_add_portable(rows, columns, w, x, y);
}
