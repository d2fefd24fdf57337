import CBlas

/// Thin wrappers over OpenBLAS; the only file that touches CBLAS types.
enum BLAS {
    /// `C = alpha · op(A) · op(B) + beta · C`, row-major.
    @inline(__always)
    static func gemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                     a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int, beta: Float,
                     c: UnsafeMutablePointer<Float>, ldc: Int) {
        cblas_sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb), beta, c,
                    blasint(ldc))
    }

    /// `y = alpha · op(A) · x + beta · y`, row-major `A` of `rows × columns`.
    @inline(__always)
    static func gemv(transpose: Bool, rows: Int, columns: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int,
                     x: UnsafePointer<Float>, beta: Float, y: UnsafeMutablePointer<Float>) {
        cblas_sgemv(CblasRowMajor, transpose ? CblasTrans : CblasNoTrans, blasint(rows), blasint(columns), alpha,
                    a, blasint(lda), x, 1, beta, y, 1)
    }
}
