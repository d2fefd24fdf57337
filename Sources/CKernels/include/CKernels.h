#ifndef ENPIRE_CKERNELS_H
#define ENPIRE_CKERNELS_H

/// Small hand-vectorised kernels for EnpireLearning's latency-critical paths.
///
/// The package builds for baseline x86-64 (SSE2); these kernels carry an AVX2+FMA variant chosen at run time
/// when the CPU has both, and a portable variant otherwise, so one binary runs everywhere.

/// `y[r] += sum_c w[r * columns + c] * x[c]` for row-major `w[rows, columns]`, on the calling thread.
void enpire_matvec_add(int rows, int columns, const float *w, const float *x, float *y);

/// 1 when the AVX2+FMA variant is in use on this CPU, else 0 (reported by benchmarks).
int enpire_kernels_vectorised(void);

#endif
