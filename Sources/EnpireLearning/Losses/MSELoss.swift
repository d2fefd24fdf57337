/// Mean squared error over all elements: `mean((p − t)²)`.
public struct MSELoss: Sendable {
    /// Creates the loss.
    public init() {}

    /// Returns the loss and writes `∂loss/∂prediction` into `gradient` (no allocation when sized).
    public func callAsFunction(prediction: Tensor, target: Tensor, gradient: inout Tensor) throws(TensorError)
        -> Float {
        try LossCheck.sameCount(prediction, target)
        gradient.resize(to: prediction.shape)
        let n = prediction.count
        let scale = 2 / Float(n)
        var total: Double = 0
        prediction.scalars.withUnsafeBufferPointer { p in
            target.scalars.withUnsafeBufferPointer { t in
                gradient.scalars.withUnsafeMutableBufferPointer { g in
                    var partial: Float = 0
                    for index in 0..<n {
                        let d = p[index] - t[index]
                        partial += d * d
                        g[index] = scale * d
                    }
                    total = Double(partial)
                }
            }
        }
        return Float(total / Double(n))
    }
}

enum LossCheck {
    static func sameCount(_ prediction: Tensor, _ target: Tensor) throws(TensorError) {
        guard prediction.count == target.count, prediction.count > 0 else {
            throw .shapeMismatch("prediction \(prediction.shape) and target \(target.shape) must match and be non-empty")
        }
    }
}
