/// Huber (smooth L1) loss with threshold `delta`, averaged over all elements (PyTorch `HuberLoss`).
public struct HuberLoss: Sendable {
    /// Residual size where the loss turns from quadratic to linear.
    public var delta: Float

    /// Creates the loss.
    public init(delta: Float = 1) { self.delta = delta }

    /// Returns the loss and writes `∂loss/∂prediction` into `gradient`.
    public func callAsFunction(prediction: Tensor, target: Tensor, gradient: inout Tensor) throws(TensorError)
        -> Float {
        try LossCheck.sameCount(prediction, target)
        gradient.resize(to: prediction.shape)
        let n = prediction.count
        let inverseCount = 1 / Float(n)
        var total: Float = 0
        prediction.scalars.withUnsafeBufferPointer { p in
            target.scalars.withUnsafeBufferPointer { t in
                gradient.scalars.withUnsafeMutableBufferPointer { g in
                    for index in 0..<n {
                        let d = p[index] - t[index]
                        if abs(d) <= delta {
                            total += 0.5 * d * d
                            g[index] = d * inverseCount
                        } else {
                            total += delta * (abs(d) - 0.5 * delta)
                            g[index] = (d > 0 ? delta : -delta) * inverseCount
                        }
                    }
                }
            }
        }
        return total * inverseCount
    }
}
