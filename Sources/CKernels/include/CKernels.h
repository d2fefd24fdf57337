#ifndef ENPIRE_CKERNELS_H
#define ENPIRE_CKERNELS_H

/// Small hand-vectorised kernels for EnpireLearning's latency-critical paths.
///
/// The package builds for baseline x86-64 (SSE2); these kernels carry AVX2+FMA variants (and an AVX-512F
/// matrix-vector loop) chosen at run time from the CPU's feature bits, and portable variants otherwise, so one
/// binary runs everywhere.

/// `y[r] += sum_c w[r * columns + c] * x[c]` for row-major `w[rows, columns]`, on the calling thread.
void enpire_matvec_add(int rows, int columns, const float *w, const float *x, float *y);

/// Activation codes of the fused element-wise kernels below.
enum { ENPIRE_ACTIVATION_IDENTITY = 0, ENPIRE_ACTIVATION_RELU = 1, ENPIRE_ACTIVATION_TANH = 2 };

/// In place over row-major `y[rows, columns]`: `y = activation(y + bias)` per row (`bias[columns]`).
void enpire_bias_activation(long rows, long columns, float *y, const float *bias, int activation);

/// One pass over row-major `[rows, columns]`: `grad_input = grad_output * activation'(output)` (ReLU: the
/// gradient where the output is positive, else 0; tanh: `grad_output * (1 - output^2)`; identity: nothing
/// written and `grad_input` may be NULL), and when `column_sums` is not NULL, the column sums of the result
/// added to `column_sums[columns]`. Branch-free, so a ReLU mask costs no mispredictions.
void enpire_activation_backward(long rows, long columns, const float *output, const float *grad_output,
                                float *grad_input, float *column_sums, int activation);

/// One fused Adam update of `count` elements in place (`w`, first moment `m`, second moment `v`) from the raw
/// gradient `g`: `grad = g * gradient_scale + l2 * w`, `m = beta1 * m + (1 - beta1) * grad`,
/// `v = beta2 * v + (1 - beta2) * grad^2`, `w = w * decay - step_size * m / (sqrt(v) * inverse_sqrt_correction2 +
/// epsilon)`. Returns the sum of the squared raw gradients. The AVX2 and portable variants perform the same
/// IEEE operations in the same order per element (no fused multiply-add), so both give identical weights.
float enpire_adam_update(long count, float *w, const float *g, float *m, float *v, float gradient_scale, float l2,
                         float decay, float beta1, float beta2, float step_size, float inverse_sqrt_correction2,
                         float epsilon);

/// 1 when the AVX2+FMA variants are in use on this CPU, else 0 (reported by benchmarks).
int enpire_kernels_vectorised(void);

/// 1 when the AVX-512F matrix-vector loop is in use on this CPU, else 0.
int enpire_kernels_avx512(void);

/// The portable variants of the kernels above, whatever the CPU has: tests compare them with the run-time choice
/// on one machine.
void enpire_matvec_add_portable(int rows, int columns, const float *w, const float *x, float *y);
/// Portable variant of `enpire_bias_activation`.
void enpire_bias_activation_portable(long rows, long columns, float *y, const float *bias, int activation);
/// Portable variant of `enpire_activation_backward`.
void enpire_activation_backward_portable(long rows, long columns, const float *output, const float *grad_output,
                                         float *grad_input, float *column_sums, int activation);
/// Portable variant of `enpire_adam_update`.
float enpire_adam_update_portable(long count, float *w, const float *g, float *m, float *v, float gradient_scale,
                                  float l2, float decay, float beta1, float beta2, float step_size,
                                  float inverse_sqrt_correction2, float epsilon);

/// Sets the fork-join pool's size (threads including the caller, 1–8) before its first use; later calls change only
/// how many chunks callers are told to make, not the threads already started.
void enpire_pool_configure(int size);

/// The pool's size (1 until configured).
int enpire_pool_size(void);

/// The number of cores the calling process may run on (its CPU affinity mask, as `taskset` or a container's cpuset
/// sets it), or 0 where the system does not say.
int enpire_affinity_cpu_count(void);

/// Restricts the calling thread to the first core its affinity mask allows and returns that core, or -1 where the
/// system refuses or does not support it (the tests use it to check ``enpire_affinity_cpu_count`` on a thread of
/// their own).
int enpire_pin_thread_to_first_cpu(void);

/// Runs `function(context, chunk)` for every chunk in `0..<chunks`: chunk 0 on the calling thread, the others on
/// the pool's workers, and returns when all have finished. Allocation-free. Runs every chunk on the caller when the
/// pool has one thread, when `chunks` exceeds it, when another thread's fork-join is running, or when called from
/// inside a chunk (at most 255 chunks). Returns 1 when the pool's workers took part, 0 when the caller ran every
/// chunk.
int enpire_pool_run(int chunks, void (*function)(void *context, int chunk), void *context);

#endif
