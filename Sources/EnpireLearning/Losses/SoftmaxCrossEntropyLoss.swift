import Foundation

/// Cross-entropy between a softmax over logits and target distributions (one-hot or soft), averaged over rows:
/// `−mean_rows Σ_k t_k log softmax(z)_k`.
///
/// Soft targets let a classifier learn from a teacher that rates several choices almost equally (a multimodal
/// decision), instead of being forced onto one label that flips under small state changes.
public struct SoftmaxCrossEntropyLoss: Sendable {
    /// Creates the loss.
    public init() {}

    /// Returns the loss over `[rows, classes]` logits and writes `∂loss/∂logits` into `gradient`.
    ///
    /// Each target row must be a distribution (non-negative, summing to 1); rows are not renormalised.
    public func callAsFunction(logits: Tensor, target: Tensor, gradient: inout Tensor) throws(TensorError) -> Float {
        try LossCheck.sameCount(logits, target)
        gradient.resize(to: logits.shape)
        let classes = logits.columns
        let rows = logits.count / max(classes, 1)
        var total = 0.0
        let inverseRows = 1 / Float(rows)
        logits.scalars.withUnsafeBufferPointer { z in
            target.scalars.withUnsafeBufferPointer { t in
                gradient.scalars.withUnsafeMutableBufferPointer { g in
                    for row in 0..<rows {
                        let base = row * classes
                        var maximum = -Float.infinity
                        for k in 0..<classes { maximum = max(maximum, z[base + k]) }
                        var sum: Float = 0
                        for k in 0..<classes {
                            let e = expf(z[base + k] - maximum)
                            g[base + k] = e
                            sum += e
                        }
                        let logSum = logf(sum) + maximum
                        for k in 0..<classes {
                            let p = g[base + k] / sum
                            let tk = t[base + k]
                            if tk > 0 { total -= Double(tk * (z[base + k] - logSum)) }
                            g[base + k] = (p - tk) * inverseRows
                        }
                    }
                }
            }
        }
        return Float(total / Double(rows))
    }
}
