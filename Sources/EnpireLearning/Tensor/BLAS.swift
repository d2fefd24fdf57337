import CBlas

/// Thin wrappers over OpenBLAS; the only file that touches CBLAS types.
///
/// OpenBLAS runs on one thread (``useSingleThreadedLibrary()``, called when the ``ComputePool`` starts); products
/// of at least ``gemmParallelThreshold`` multiply-adds are split into blocks of output rows (or columns, when there
/// are more of those) on the pool. Each block is an independent sgemm, so no reduction is needed; a block's floats can
/// differ from the unsplit product's in the last bits (OpenBLAS may pick another kernel for a smaller block), and the
/// split depends only on the shape and the pool's size, so a run is reproducible on one machine.
enum BLAS {
    /// Multiply-adds from which a product is split across the pool (2^18: about 5 µs of work on one core).
    static let gemmParallelThreshold = 1 << 18

    /// Sets OpenBLAS to one thread for the whole process: the pool does the threading (see ``ComputePool``).
    static func useSingleThreadedLibrary() { openblas_set_num_threads(1) }

    /// `C = alpha · op(A) · op(B) + beta · C`, row-major; split across the pool when large and `parallel`
    /// (callers already running on a pool thread pass false).
    @inline(__always)
    static func gemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                     a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int, beta: Float,
                     c: UnsafeMutablePointer<Float>, ldc: Int, parallel: Bool = true) {
        let poolSize = ComputePool.size   // first use also sets OpenBLAS to one thread
        let chunks = parallel && m * n * k >= gemmParallelThreshold ? poolSize : 1
        let splitRows = m >= n
        let extent = splitRows ? m : n
        guard chunks > 1, extent >= 2 * 16 else {
            serialGemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda,
                       b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
            return
        }
        var kernel = GemmKernel(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha, a: a,
                                lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc, splitRows: splitRows,
                                chunks: min(chunks, extent / 16))
        ComputePool.run(&kernel)
    }

    /// One product split into blocks of output rows or columns, one sgemm per block.
    private struct GemmKernel: PoolKernel {
        let transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float
        let a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int, beta: Float
        let c: UnsafeMutablePointer<Float>, ldc: Int, splitRows: Bool, chunks: Int

        func run(chunk: Int) {
            // Block boundaries on multiples of 16 rows or columns (whole vector registers for the kernel).
            let extent = splitRows ? m : n
            let start = (extent * chunk / chunks) & ~15
            let end = chunk == chunks - 1 ? extent : (extent * (chunk + 1) / chunks) & ~15
            if splitRows {
                // Rows of C are rows of op(A): row r of A, or column r of a transposed A.
                serialGemm(transposeA: transposeA, transposeB: transposeB, m: end - start, n: n, k: k, alpha: alpha,
                           a: transposeA ? a + start : a + start * lda, lda: lda, b: b, ldb: ldb, beta: beta,
                           c: c + start * ldc, ldc: ldc)
            } else {
                // Columns of C are columns of op(B): column j of B, or row j of a transposed B.
                serialGemm(transposeA: transposeA, transposeB: transposeB, m: m, n: end - start, k: k, alpha: alpha,
                           a: a, lda: lda, b: transposeB ? b + start * ldb : b + start, ldb: ldb, beta: beta,
                           c: c + start, ldc: ldc)
            }
        }

        static var entry: @convention(c) (UnsafeMutableRawPointer?, Int32) -> Void {
            { context, chunk in context!.assumingMemoryBound(to: Self.self).pointee.run(chunk: Int(chunk)) }
        }
    }

    /// One sgemm call on the calling thread.
    @inline(__always)
    fileprivate static func serialGemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float,
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
