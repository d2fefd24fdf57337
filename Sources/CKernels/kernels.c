// Matrix-vector product for batch-1 inference. Swift's SIMD types compile to SSE for the baseline target the
// package builds for; the AVX2+FMA variant below doubles the lane count and fuses the multiply-add, and is
// selected per call from the CPU's feature bits (read once with CPUID), so the binary stays portable.
#include "CKernels.h"
#include <math.h>

// No implicit fused multiply-adds: the AVX2 functions' scalar remainders would otherwise be contracted (they are
// compiled with the FMA target), and their results would differ in the last bit from the portable variants'.
// Fused multiply-adds appear only where written as intrinsics.
#pragma STDC FP_CONTRACT OFF

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
// FMA latency on long rows. One body for both vector widths: VEC is the register type, LANES its float count,
// and ZERO, LOAD, FMADD, ADD and SUM the matching intrinsics (SUM reduces a register to a float).
#define ENPIRE_MATVEC_BODY(VEC, LANES, ZERO, LOAD, FMADD, ADD, SUM)                                               \
    const int vectorised = columns & ~(2 * LANES - 1);                                                         \
    int r = 0;                                                                                                  \
    for (; r + 4 <= rows; r += 4) {                                                                             \
        const float *w0 = w + (long)r * columns, *w1 = w0 + columns, *w2 = w1 + columns, *w3 = w2 + columns;   \
        VEC a0 = ZERO(), a1 = ZERO(), a2 = ZERO(), a3 = ZERO(), b0 = ZERO(), b1 = ZERO(), b2 = ZERO(),          \
            b3 = ZERO();                                                                                        \
        int c = 0;                                                                                              \
        for (; c < vectorised; c += 2 * LANES) {                                                                \
            VEC xa = LOAD(x + c), xb = LOAD(x + c + LANES);                                                     \
            a0 = FMADD(LOAD(w0 + c), xa, a0);                                                                   \
            a1 = FMADD(LOAD(w1 + c), xa, a1);                                                                   \
            a2 = FMADD(LOAD(w2 + c), xa, a2);                                                                   \
            a3 = FMADD(LOAD(w3 + c), xa, a3);                                                                   \
            b0 = FMADD(LOAD(w0 + c + LANES), xb, b0);                                                           \
            b1 = FMADD(LOAD(w1 + c + LANES), xb, b1);                                                           \
            b2 = FMADD(LOAD(w2 + c + LANES), xb, b2);                                                           \
            b3 = FMADD(LOAD(w3 + c + LANES), xb, b3);                                                           \
        }                                                                                                       \
        float s0 = SUM(ADD(a0, b0)), s1 = SUM(ADD(a1, b1)), s2 = SUM(ADD(a2, b2)), s3 = SUM(ADD(a3, b3));       \
        for (; c < columns; c++) {                                                                              \
            float v = x[c];                                                                                     \
            s0 += w0[c] * v;                                                                                    \
            s1 += w1[c] * v;                                                                                    \
            s2 += w2[c] * v;                                                                                    \
            s3 += w3[c] * v;                                                                                    \
        }                                                                                                       \
        y[r] += s0;                                                                                             \
        y[r + 1] += s1;                                                                                         \
        y[r + 2] += s2;                                                                                         \
        y[r + 3] += s3;                                                                                         \
    }                                                                                                           \
    if (r < rows) matvec_add_portable(rows - r, columns, w + (long)r * columns, x, y + r);

__attribute__((target("avx2,fma"))) static void matvec_add_avx2(int rows, int columns, const float *w,
                                                                const float *x, float *y) {
    ENPIRE_MATVEC_BODY(__m256, 8, _mm256_setzero_ps, _mm256_loadu_ps, _mm256_fmadd_ps, _mm256_add_ps, horizontal_sum)
}

// Sixteen lanes per instruction where the CPU has AVX-512F: half the loads and multiply-adds of the AVX2 loop
// for the same weights. Four rows with two accumulators each measured fastest of 1, 2, 4 and 8 rows with 1, 2 and
// 4 accumulators on a Zen 4 core (at this size the weights stream from L2, which bounds the call).
__attribute__((target("avx512f,avx2,fma"))) static void matvec_add_avx512(int rows, int columns, const float *w,
                                                                        const float *x, float *y) {
    ENPIRE_MATVEC_BODY(__m512, 16, _mm512_setzero_ps, _mm512_loadu_ps, _mm512_fmadd_ps, _mm512_add_ps,
                       _mm512_reduce_add_ps)
}

// AVX-512F on top of AVX2+FMA: CPUID leaf 7 EBX bit 16, and XCR0 must enable the opmask and both ZMM state
// components (bits 5-7).
static int detect_avx512f(void) {
    unsigned int a, b, c, d;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d) || !(b & (1u << 16))) return 0;
    unsigned int xcr0_low, xcr0_high;
    __asm__ volatile("xgetbv" : "=a"(xcr0_low), "=d"(xcr0_high) : "c"(0));
    return (xcr0_low & 0xE6u) == 0xE6u;
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

static _Atomic int avx512_state = -1;

static int has_avx512(void) {
    int state = avx512_state;
    if (state < 0) {
        state = has_avx2_fma() && detect_avx512f();
        avx512_state = state;
    }
    return state;
}
#endif

// Element-wise kernels of the training step. The portable variants are written without branches in the inner
// loops (a data-dependent ReLU branch mispredicts about half the time), so compilers vectorise them with SSE;
// the AVX2 variants process eight floats per instruction.
static void bias_activation_portable(long rows, long columns, float *y, const float *bias, int activation) {
    for (long r = 0; r < rows; r++) {
        float *out = y + r * columns;
        switch (activation) {
        case ENPIRE_ACTIVATION_RELU:
            for (long c = 0; c < columns; c++) {
                float v = out[c] + bias[c];
                out[c] = v > 0 ? v : 0;
            }
            break;
        case ENPIRE_ACTIVATION_TANH:
            for (long c = 0; c < columns; c++) out[c] = tanhf(out[c] + bias[c]);
            break;
        default:
            for (long c = 0; c < columns; c++) out[c] += bias[c];
        }
    }
}

static void activation_backward_portable(long rows, long columns, const float *output, const float *grad_output,
                                         float *grad_input, float *column_sums, int activation) {
    for (long r = 0; r < rows; r++) {
        const float *y = output + r * columns, *dy = grad_output + r * columns;
        const float *source = dy;
        if (activation == ENPIRE_ACTIVATION_RELU) {
            float *dx = grad_input + r * columns;
            for (long c = 0; c < columns; c++) dx[c] = y[c] > 0 ? dy[c] : 0;
            source = dx;
        } else if (activation == ENPIRE_ACTIVATION_TANH) {
            float *dx = grad_input + r * columns;
            for (long c = 0; c < columns; c++) dx[c] = dy[c] * (1 - y[c] * y[c]);
            source = dx;
        }
        if (column_sums)
            for (long c = 0; c < columns; c++) column_sums[c] += source[c];
    }
}

#if ENPIRE_HAVE_X86
__attribute__((target("avx2,fma"))) static void bias_activation_avx2(long rows, long columns, float *y,
                                                                     const float *bias, int activation) {
    if (activation == ENPIRE_ACTIVATION_TANH) {
        bias_activation_portable(rows, columns, y, bias, activation);
        return;
    }
    const long vectorised = columns & ~7L;
    const __m256 zero = _mm256_setzero_ps();
    for (long r = 0; r < rows; r++) {
        float *out = y + r * columns;
        long c = 0;
        if (activation == ENPIRE_ACTIVATION_RELU) {
            for (; c < vectorised; c += 8)
                _mm256_storeu_ps(out + c,
                                 _mm256_max_ps(_mm256_add_ps(_mm256_loadu_ps(out + c), _mm256_loadu_ps(bias + c)), zero));
            for (; c < columns; c++) {
                float v = out[c] + bias[c];
                out[c] = v > 0 ? v : 0;
            }
        } else {
            for (; c < vectorised; c += 8)
                _mm256_storeu_ps(out + c, _mm256_add_ps(_mm256_loadu_ps(out + c), _mm256_loadu_ps(bias + c)));
            for (; c < columns; c++) out[c] += bias[c];
        }
    }
}

__attribute__((target("avx2,fma"))) static void activation_backward_avx2(long rows, long columns,
                                                                         const float *output,
                                                                         const float *grad_output, float *grad_input,
                                                                         float *column_sums, int activation) {
    const long vectorised = columns & ~7L;
    const __m256 zero = _mm256_setzero_ps(), one = _mm256_set1_ps(1);
    for (long r = 0; r < rows; r++) {
        const float *y = output + r * columns, *dy = grad_output + r * columns;
        float *dx = grad_input ? grad_input + r * columns : 0;
        long c = 0;
        for (; c < vectorised; c += 8) {
            __m256 g = _mm256_loadu_ps(dy + c);
            if (activation == ENPIRE_ACTIVATION_RELU) {
                g = _mm256_and_ps(g, _mm256_cmp_ps(_mm256_loadu_ps(y + c), zero, _CMP_GT_OQ));
                _mm256_storeu_ps(dx + c, g);
            } else if (activation == ENPIRE_ACTIVATION_TANH) {
                __m256 v = _mm256_loadu_ps(y + c);
                g = _mm256_mul_ps(g, _mm256_sub_ps(one, _mm256_mul_ps(v, v)));
                _mm256_storeu_ps(dx + c, g);
            }
            if (column_sums) _mm256_storeu_ps(column_sums + c, _mm256_add_ps(_mm256_loadu_ps(column_sums + c), g));
        }
        for (; c < columns; c++) {
            float g = dy[c];
            if (activation == ENPIRE_ACTIVATION_RELU) {
                g = y[c] > 0 ? g : 0;
                dx[c] = g;
            } else if (activation == ENPIRE_ACTIVATION_TANH) {
                g = g * (1 - y[c] * y[c]);
                dx[c] = g;
            }
            if (column_sums) column_sums[c] += g;
        }
    }
}
#endif

void enpire_bias_activation(long rows, long columns, float *y, const float *bias, int activation) {
#if ENPIRE_HAVE_X86
    if (has_avx2_fma()) {
        bias_activation_avx2(rows, columns, y, bias, activation);
        return;
    }
#endif
    bias_activation_portable(rows, columns, y, bias, activation);
}

void enpire_activation_backward(long rows, long columns, const float *output, const float *grad_output,
                                float *grad_input, float *column_sums, int activation) {
#if ENPIRE_HAVE_X86
    if (has_avx2_fma()) {
        activation_backward_avx2(rows, columns, output, grad_output, grad_input, column_sums, activation);
        return;
    }
#endif
    activation_backward_portable(rows, columns, output, grad_output, grad_input, column_sums, activation);
}

static float adam_update_portable(long count, float *w, const float *g, float *m, float *v, float gradient_scale,
                                 float l2, float decay, float beta1, float beta2, float step_size,
                                 float inverse_sqrt_correction2, float epsilon) {
    float squares[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    for (long j = 0; j < count; j++) {
        float raw = g[j];
        squares[j & 7] += raw * raw;
        float grad = raw * gradient_scale + l2 * w[j];
        float mj = beta1 * m[j] + (1 - beta1) * grad;
        float vj = beta2 * v[j] + (1 - beta2) * grad * grad;
        m[j] = mj;
        v[j] = vj;
        w[j] = w[j] * decay - step_size * mj / (sqrtf(vj) * inverse_sqrt_correction2 + epsilon);
    }
    return ((squares[0] + squares[1]) + (squares[2] + squares[3])) + ((squares[4] + squares[5]) + (squares[6] + squares[7]));
}

#if ENPIRE_HAVE_X86
__attribute__((target("avx2,fma"))) static float adam_update_avx2(long count, float *w, const float *g, float *m,
                                                                  float *v, float gradient_scale, float l2,
                                                                  float decay, float beta1, float beta2,
                                                                  float step_size, float inverse_sqrt_correction2,
                                                                  float epsilon) {
    const __m256 scale = _mm256_set1_ps(gradient_scale), l2v = _mm256_set1_ps(l2), decayv = _mm256_set1_ps(decay);
    const __m256 b1 = _mm256_set1_ps(beta1), b2 = _mm256_set1_ps(beta2);
    const __m256 c1 = _mm256_set1_ps(1 - beta1), c2 = _mm256_set1_ps(1 - beta2);
    const __m256 step = _mm256_set1_ps(step_size), correction = _mm256_set1_ps(inverse_sqrt_correction2);
    const __m256 eps = _mm256_set1_ps(epsilon);
    __m256 squares = _mm256_setzero_ps();
    const long vectorised = count & ~7L;
    long j = 0;
    for (; j < vectorised; j += 8) {
        __m256 raw = _mm256_loadu_ps(g + j), wj = _mm256_loadu_ps(w + j);
        squares = _mm256_add_ps(squares, _mm256_mul_ps(raw, raw));
        __m256 grad = _mm256_add_ps(_mm256_mul_ps(raw, scale), _mm256_mul_ps(l2v, wj));
        __m256 mj = _mm256_add_ps(_mm256_mul_ps(b1, _mm256_loadu_ps(m + j)), _mm256_mul_ps(c1, grad));
        __m256 vj = _mm256_add_ps(_mm256_mul_ps(b2, _mm256_loadu_ps(v + j)), _mm256_mul_ps(_mm256_mul_ps(c2, grad), grad));
        _mm256_storeu_ps(m + j, mj);
        _mm256_storeu_ps(v + j, vj);
        __m256 denominator = _mm256_add_ps(_mm256_mul_ps(_mm256_sqrt_ps(vj), correction), eps);
        _mm256_storeu_ps(w + j, _mm256_sub_ps(_mm256_mul_ps(wj, decayv),
                                              _mm256_div_ps(_mm256_mul_ps(step, mj), denominator)));
    }
    float lanes[8];
    _mm256_storeu_ps(lanes, squares);
    float total = ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) + ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]));
    if (j < count)
        total += adam_update_portable(count - j, w + j, g + j, m + j, v + j, gradient_scale, l2, decay, beta1, beta2,
                                      step_size, inverse_sqrt_correction2, epsilon);
    return total;
}
#endif

float enpire_adam_update(long count, float *w, const float *g, float *m, float *v, float gradient_scale, float l2,
                         float decay, float beta1, float beta2, float step_size, float inverse_sqrt_correction2,
                         float epsilon) {
#if ENPIRE_HAVE_X86
    if (has_avx2_fma())
        return adam_update_avx2(count, w, g, m, v, gradient_scale, l2, decay, beta1, beta2, step_size,
                                inverse_sqrt_correction2, epsilon);
#endif
    return adam_update_portable(count, w, g, m, v, gradient_scale, l2, decay, beta1, beta2, step_size,
                                inverse_sqrt_correction2, epsilon);
}

void enpire_matvec_add_portable(int rows, int columns, const float *w, const float *x, float *y) {
    matvec_add_portable(rows, columns, w, x, y);
}

void enpire_bias_activation_portable(long rows, long columns, float *y, const float *bias, int activation) {
    bias_activation_portable(rows, columns, y, bias, activation);
}

void enpire_activation_backward_portable(long rows, long columns, const float *output, const float *grad_output,
                                         float *grad_input, float *column_sums, int activation) {
    activation_backward_portable(rows, columns, output, grad_output, grad_input, column_sums, activation);
}

float enpire_adam_update_portable(long count, float *w, const float *g, float *m, float *v, float gradient_scale,
                                  float l2, float decay, float beta1, float beta2, float step_size,
                                  float inverse_sqrt_correction2, float epsilon) {
    return adam_update_portable(count, w, g, m, v, gradient_scale, l2, decay, beta1, beta2, step_size,
                                inverse_sqrt_correction2, epsilon);
}

int enpire_kernels_avx512(void) {
#if ENPIRE_HAVE_X86
    return has_avx512();
#else
    return 0;
#endif
}

int enpire_kernels_vectorised(void) {
#if ENPIRE_HAVE_X86
    return has_avx2_fma();
#else
    return 0;
#endif
}

void enpire_matvec_add(int rows, int columns, const float *w, const float *x, float *y) {
#if ENPIRE_HAVE_X86
    if (has_avx512()) {
        matvec_add_avx512(rows, columns, w, x, y);
        return;
    }
    if (has_avx2_fma()) {
        matvec_add_avx2(rows, columns, w, x, y);
        return;
    }
#endif
    matvec_add_portable(rows, columns, w, x, y);
}
