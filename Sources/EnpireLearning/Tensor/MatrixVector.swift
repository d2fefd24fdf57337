/// Single-threaded `y += W · x` for row-major `W[rows, columns]`, used for batch-1 inference.
///
/// OpenBLAS hands a 256×256 `sgemv` to its thread pool, and the wake-up costs more than the arithmetic;
/// a SIMD loop over four rows at a time stays on the calling core and keeps latency to a few microseconds.
enum MatrixVector {
    @inline(__always)
    static func multiplyAdd(rows: Int, columns: Int, weights: UnsafePointer<Float>, vector: UnsafePointer<Float>,
                            into output: UnsafeMutablePointer<Float>) {
        let vectorized = columns & ~7
        var row = 0
        while row + 4 <= rows {
            let w0 = weights + row * columns, w1 = w0 + columns, w2 = w1 + columns, w3 = w2 + columns
            var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
            var j = 0
            while j < vectorized {
                let x = UnsafeRawPointer(vector + j).loadUnaligned(as: SIMD8<Float>.self)
                a0 += UnsafeRawPointer(w0 + j).loadUnaligned(as: SIMD8<Float>.self) * x
                a1 += UnsafeRawPointer(w1 + j).loadUnaligned(as: SIMD8<Float>.self) * x
                a2 += UnsafeRawPointer(w2 + j).loadUnaligned(as: SIMD8<Float>.self) * x
                a3 += UnsafeRawPointer(w3 + j).loadUnaligned(as: SIMD8<Float>.self) * x
                j += 8
            }
            var s0 = a0.sum(), s1 = a1.sum(), s2 = a2.sum(), s3 = a3.sum()
            while j < columns {
                let x = vector[j]
                s0 += w0[j] * x
                s1 += w1[j] * x
                s2 += w2[j] * x
                s3 += w3[j] * x
                j += 1
            }
            output[row] += s0
            output[row + 1] += s1
            output[row + 2] += s2
            output[row + 3] += s3
            row += 4
        }
        while row < rows {
            let w = weights + row * columns
            var sum: Float = 0
            for j in 0..<columns { sum += w[j] * vector[j] }
            output[row] += sum
            row += 1
        }
    }
}
