/// Mean squared error over all elements: `mean((p − t)²)`.
public struct MSELoss: Sendable {
    /// Creates the loss.
    public init() {}

    /// Returns the loss and writes `∂loss/∂prediction` into `gradient` (no allocation when sized).
    public func callAsFunction(prediction: Tensor, target: Tensor, gradient: inout Tensor) throws(TensorError)
        -> Float {
        let n = prediction.count
        let scale = 2 / Float(n)
        let total = try Double(LossCheck.elementwise(prediction, target, gradient: &gradient) { d in (d * d, scale * d) })
        return Float(total / Double(n))
    }
}

enum LossCheck {
    static func sameCount(_ prediction: Tensor, _ target: Tensor) throws(TensorError) {
        guard prediction.count == target.count, prediction.count > 0 else {
            throw .shapeMismatch("prediction \(prediction.shape) and target \(target.shape) must match and be non-empty")
        }
    }

    /// Checks the shapes, sizes `gradient` like `prediction`, and for each residual `d = p − t` adds the first
    /// value `term(d)` returns to the sum it returns and writes the second into `gradient`.
    static func elementwise(_ prediction: Tensor, _ target: Tensor, gradient: inout Tensor,
                            _ term: (Float) -> (loss: Float, gradient: Float)) throws(TensorError) -> Float {
        try sameCount(prediction, target)
        gradient.resize(to: prediction.shape)
        var total: Float = 0
        prediction.scalars.withUnsafeBufferPointer { p in
            target.scalars.withUnsafeBufferPointer { t in
                gradient.scalars.withUnsafeMutableBufferPointer { g in
                    for index in 0..<p.count {
                        let (loss, slope) = term(p[index] - t[index])
                        total += loss
                        g[index] = slope
                    }
                }
            }
        }
        return total
    }
}
