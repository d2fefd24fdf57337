/// Elementwise arithmetic and matrix products on `Tensor`.
///
/// These allocate their result and are meant for set-up, tests and non-hot code; the `…(into:)` variants and
/// the layer kernels reuse storage.
extension Tensor {
    /// Matrix product `op(self) · op(other)` through BLAS `sgemm`; transposes are flags, never copies.
    public func matmul(_ other: Tensor, transposeSelf: Bool = false, transposeOther: Bool = false)
        throws(TensorError) -> Tensor {
        var result = Tensor.zeros([0, 0])
        try matmul(other, transposeSelf: transposeSelf, transposeOther: transposeOther, into: &result)
        return result
    }

    /// Matrix product written into `result` (resized only when its element count differs).
    public func matmul(_ other: Tensor, transposeSelf: Bool = false, transposeOther: Bool = false,
                       into result: inout Tensor) throws(TensorError) {
        guard rank == 2, other.rank == 2 else {
            throw .shapeMismatch("matmul needs rank-2 tensors, got \(shape) and \(other.shape)")
        }
        let m = transposeSelf ? shape[1] : shape[0]
        let k = transposeSelf ? shape[0] : shape[1]
        let otherK = transposeOther ? other.shape[1] : other.shape[0]
        let n = transposeOther ? other.shape[0] : other.shape[1]
        guard k == otherK else {
            throw .shapeMismatch("matmul inner dimensions differ: \(shape)\(transposeSelf ? "ᵀ" : "") · "
                + "\(other.shape)\(transposeOther ? "ᵀ" : "")")
        }
        result.resize(rows: m, columns: n)
        scalars.withUnsafeBufferPointer { a in
            other.scalars.withUnsafeBufferPointer { b in
                result.scalars.withUnsafeMutableBufferPointer { c in
                    BLAS.gemm(transposeA: transposeSelf, transposeB: transposeOther, m: m, n: n, k: k,
                              alpha: 1, a: a.baseAddress!, lda: shape[1], b: b.baseAddress!, ldb: other.shape[1],
                              beta: 0, c: c.baseAddress!, ldc: n)
                }
            }
        }
    }

    /// Elementwise sum; throws ``TensorError/shapeMismatch(_:)`` when the element counts differ.
    public static func + (lhs: Tensor, rhs: Tensor) throws(TensorError) -> Tensor { try lhs.zipped(rhs, +) }
    /// Elementwise difference; throws ``TensorError/shapeMismatch(_:)`` when the element counts differ.
    public static func - (lhs: Tensor, rhs: Tensor) throws(TensorError) -> Tensor { try lhs.zipped(rhs, -) }
    /// Elementwise (Hadamard) product; throws ``TensorError/shapeMismatch(_:)`` when the element counts differ.
    public static func * (lhs: Tensor, rhs: Tensor) throws(TensorError) -> Tensor { try lhs.zipped(rhs, *) }
    /// Scales every element.
    public static func * (lhs: Tensor, rhs: Float) -> Tensor {
        var result = lhs
        result.scale(by: rhs)
        return result
    }

    /// Scales every element in place.
    public mutating func scale(by factor: Float) {
        scalars.withUnsafeMutableBufferPointer { buffer in
            for index in buffer.indices { buffer[index] *= factor }
        }
    }

    /// Adds `factor · other` in place (BLAS-style axpy); shapes must hold the same number of elements.
    public mutating func add(_ other: Tensor, scaledBy factor: Float = 1) throws(TensorError) {
        guard other.count == count else {
            throw .shapeMismatch("cannot add \(other.shape) to \(shape)")
        }
        scalars.withUnsafeMutableBufferPointer { y in
            other.scalars.withUnsafeBufferPointer { x in
                for index in y.indices { y[index] += factor * x[index] }
            }
        }
    }

    /// Sum of all elements, accumulated in `Double`.
    public func sum() -> Double {
        scalars.withUnsafeBufferPointer { buffer in
            var total = 0.0
            for value in buffer { total += Double(value) }
            return total
        }
    }

    /// Largest absolute difference to another tensor of the same element count (infinity otherwise).
    public func maxAbsoluteDifference(_ other: Tensor) -> Float {
        guard other.count == count else { return .infinity }
        var worst: Float = 0
        for index in scalars.indices { worst = max(worst, abs(scalars[index] - other.scalars[index])) }
        return worst
    }

    private func zipped(_ other: Tensor, _ operation: (Float, Float) -> Float) throws(TensorError) -> Tensor {
        guard other.count == count else { throw .shapeMismatch("elementwise op on \(shape) and \(other.shape)") }
        var result = self
        result.scalars.withUnsafeMutableBufferPointer { out in
            other.scalars.withUnsafeBufferPointer { rhs in
                for index in out.indices { out[index] = operation(out[index], rhs[index]) }
            }
        }
        return result
    }
}
