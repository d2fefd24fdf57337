public import Enpire
/// A dense, row-major, contiguous array of `Float` with a shape.
///
/// `Tensor` is a value type (copy-on-write through its `scalars` array). Hot training paths do not create
/// tensors per step: layers and optimisers work on preallocated buffers and only copy into a `Tensor` at the
/// API boundary, where callers may pass an existing tensor to be overwritten in place.
public struct Tensor: Sendable, Equatable, CustomStringConvertible {
    /// Extent of each dimension; the product equals `scalars.count`.
    public private(set) var shape: [Int]
    /// Elements in row-major order.
    public var scalars: [Float]

    /// Creates a tensor from a shape and its elements, failing when the counts disagree.
    public init(shape: [Int], scalars: [Float]) throws(TensorError) {
        guard shape.allSatisfy({ $0 >= 0 }), let count = Self.elementCount(shape) else { throw .invalidShape(shape) }
        guard count == scalars.count else {
            throw .shapeMismatch("shape \(shape) needs \(count) scalars, got \(scalars.count)")
        }
        self.shape = shape
        self.scalars = scalars
    }

    /// The product of `shape`'s dimensions, or nil when it overflows `Int`.
    public static func elementCount(_ shape: [Int]) -> Int? {
        var count = 1
        for dimension in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
            if overflow { return nil }
            count = product
        }
        return count
    }

    /// Creates a tensor filled with one value.
    public init(repeating value: Float = 0, shape: [Int]) {
        self.shape = shape.map { max($0, 0) }
        self.scalars = [Float](repeating: value, count: self.shape.reduce(1, *))
    }

    /// Creates a zero tensor.
    public static func zeros(_ shape: [Int]) -> Tensor { Tensor(repeating: 0, shape: shape) }

    /// Creates a tensor of independent standard-normal samples scaled by `standardDeviation`.
    public static func randomNormal(_ shape: [Int], standardDeviation: Float = 1, using rng: inout SplitMix64)
        -> Tensor {
        var tensor = Tensor.zeros(shape)
        for index in tensor.scalars.indices {
            tensor.scalars[index] = Float(rng.nextGaussian()) * standardDeviation
        }
        return tensor
    }

    /// Creates a tensor of samples uniform in `range`.
    public static func randomUniform(_ shape: [Int], in range: ClosedRange<Float>, using rng: inout SplitMix64)
        -> Tensor {
        var tensor = Tensor.zeros(shape)
        let width = range.upperBound - range.lowerBound
        for index in tensor.scalars.indices {
            tensor.scalars[index] = range.lowerBound + width * Float(rng.nextUnitDouble())
        }
        return tensor
    }

    /// Number of elements.
    public var count: Int { scalars.count }
    /// Number of dimensions.
    public var rank: Int { shape.count }
    /// Rows of a rank-2 tensor (the batch dimension); 1 for a vector.
    public var rows: Int { shape.count >= 2 ? shape[0] : 1 }
    /// Columns of a rank-2 tensor (features); the length of a vector.
    public var columns: Int { shape.last ?? 1 }

    /// Element of a rank-2 tensor.
    public subscript(row: Int, column: Int) -> Float {
        get { scalars[row * columns + column] }
        set { scalars[row * columns + column] = newValue }
    }

    /// The same elements with a new shape, failing when the element count differs.
    public func reshaped(_ newShape: [Int]) throws(TensorError) -> Tensor {
        try Tensor(shape: newShape, scalars: scalars)
    }

    /// Reshapes in place (no copy), failing when the element count differs.
    public mutating func reshape(_ newShape: [Int]) throws(TensorError) {
        guard Self.elementCount(newShape) == scalars.count, newShape.allSatisfy({ $0 >= 0 }) else {
            throw .shapeMismatch("cannot reshape \(shape) (\(scalars.count) scalars) to \(newShape)")
        }
        shape = newShape
    }

    /// Resizes to `newShape`, reallocating only when the element count changes; contents are unspecified after.
    public mutating func resize(to newShape: [Int]) {
        let count = newShape.reduce(1, *)
        if scalars.count != count {
            scalars = [Float](repeating: 0, count: count)
        }
        shape = newShape
    }

    /// Resizes to `[rows, columns]` without building a shape array when the shape already matches, so a hot
    /// loop that reuses its tensors never allocates here.
    @inline(__always)
    public mutating func resize(rows: Int, columns: Int) {
        if shape.count == 2, shape[0] == rows, shape[1] == columns, scalars.count == rows * columns { return }
        resize(to: [rows, columns])
    }

    /// Short description with shape and the first few values.
    public var description: String {
        let head = scalars.prefix(8).map { String(format: "%.4g", Double($0)) }.joined(separator: ", ")
        return "Tensor(\(shape): [\(head)\(scalars.count > 8 ? ", ..." : "")])"
    }
}

/// Errors from tensor construction and shape checks.
public enum TensorError: Error, Equatable, CustomStringConvertible {
    /// A dimension was negative.
    case invalidShape([Int])
    /// Shapes or counts disagree; the message names both.
    case shapeMismatch(String)
    /// A size is beyond a documented limit; the message names the value and the limit.
    case outOfLimits(String)

    /// Human-readable explanation.
    public var description: String {
        switch self {
        case .invalidShape(let shape): "invalid shape \(shape): dimensions must be non-negative and their product must fit an Int"
        case .shapeMismatch(let message): "shape mismatch: \(message)"
        case .outOfLimits(let message): "out of limits: \(message)"
        }
    }
}
