import Foundation

/// Negative log-likelihood of targets under a diagonal Gaussian with mean and log-standard-deviation heads,
/// averaged over all elements: `mean(0.5·((t − μ)/σ)² + log σ + 0.5·log 2π)`.
public struct GaussianNLLLoss: Sendable {
    /// Log-std is clamped to this range (as SAC and most BC heads do) so that σ never collapses or explodes;
    /// the gradient is zero outside it.
    public var logStdRange: ClosedRange<Float>

    /// Creates the loss.
    public init(logStdRange: ClosedRange<Float> = -20...2) { self.logStdRange = logStdRange }

    /// Returns the loss and writes the gradients for the mean and log-std heads.
    public func callAsFunction(mean: Tensor, logStd: Tensor, target: Tensor, gradMean: inout Tensor,
                               gradLogStd: inout Tensor) throws(TensorError) -> Float {
        try LossCheck.sameCount(mean, target)
        try LossCheck.sameCount(logStd, target)
        gradMean.resize(to: mean.shape)
        gradLogStd.resize(to: logStd.shape)
        let n = mean.count
        let inverseCount = 1 / Float(n)
        let halfLogTwoPi = Float(0.5 * log(2 * Double.pi))
        let low = logStdRange.lowerBound, high = logStdRange.upperBound
        var total: Double = 0
        mean.scalars.withUnsafeBufferPointer { mu in
            logStd.scalars.withUnsafeBufferPointer { ls in
                target.scalars.withUnsafeBufferPointer { t in
                    gradMean.scalars.withUnsafeMutableBufferPointer { gm in
                        gradLogStd.scalars.withUnsafeMutableBufferPointer { gs in
                            for index in 0..<n {
                                let raw = ls[index]
                                let s = min(max(raw, low), high)
                                let inverseVariance = expf(-2 * s)
                                let d = t[index] - mu[index]
                                let z2 = d * d * inverseVariance
                                total += Double(0.5 * z2 + s + halfLogTwoPi)
                                gm[index] = -d * inverseVariance * inverseCount
                                gs[index] = (raw >= low && raw <= high) ? (1 - z2) * inverseCount : 0
                            }
                        }
                    }
                }
            }
        }
        return Float(total / Double(n))
    }
}
