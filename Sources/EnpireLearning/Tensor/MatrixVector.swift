import CKernels

/// Single-threaded `y += W · x` for row-major `W[rows, columns]`, used for batch-1 inference.
///
/// OpenBLAS hands a 256×256 `sgemv` to its thread pool, and the wake-up costs more than the arithmetic; the
/// `CKernels` loop stays on the calling core. It runs AVX2 with fused multiply-add where the CPU has them
/// (chosen at run time; the package itself builds for baseline x86-64, where Swift's SIMD types compile to
/// SSE) and a portable loop elsewhere.
enum MatrixVector {
    /// Whether the AVX2+FMA variant runs on this CPU.
    static var isVectorised: Bool { enpire_kernels_vectorised() != 0 }

    @inline(__always)
    static func multiplyAdd(rows: Int, columns: Int, weights: UnsafePointer<Float>, vector: UnsafePointer<Float>,
                            into output: UnsafeMutablePointer<Float>) {
        precondition(rows <= Int(Int32.max) && columns <= Int(Int32.max), "matrix too large for the kernel")
        enpire_matvec_add(Int32(rows), Int32(columns), weights, vector, output)
    }
}
