/// Huber (smooth L1) loss with threshold `delta`, averaged over all elements (PyTorch `HuberLoss`).
public struct HuberLoss: Sendable {
    /// Residual size where the loss turns from quadratic to linear.
    public var delta: Float

    /// Creates the loss.
    public init(delta: Float = 1) { self.delta = delta }

    /// Returns the loss and writes `∂loss/∂prediction` into `gradient`.
    public func callAsFunction(prediction: Tensor, target: Tensor, gradient: inout Tensor) throws(TensorError)
        -> Float {
        let inverseCount = 1 / Float(prediction.count)
        let total = try LossCheck.elementwise(prediction, target, gradient: &gradient) { d in
            if abs(d) <= delta { return (0.5 * d * d, d * inverseCount) }
            return (delta * (abs(d) - 0.5 * delta), (d > 0 ? delta : -delta) * inverseCount)
        }
        return total * inverseCount
    }
}
