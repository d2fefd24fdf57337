/// Gradient clipping by global L2 norm (PyTorch `clip_grad_norm_`).
public enum GradientClipping {
    /// L2 norm of all gradients together, accumulated in `Double`.
    public static func globalNorm(_ parameters: [Parameter]) -> Float {
        var total: Double = 0
        for parameter in parameters {
            total += Double(FusedKernels.sumOfSquares(parameter.gradientStorage.pointer, count: parameter.count))
        }
        return Float(total.squareRoot())
    }

    /// Scales all gradients so their global norm is at most `maxNorm`; returns the norm before clipping.
    @discardableResult
    public static func clip(_ parameters: [Parameter], maxNorm: Float) -> Float {
        let norm = globalNorm(parameters)
        guard norm > maxNorm else { return norm }
        let scale = maxNorm / (norm + 1e-6)
        for parameter in parameters {
            let g = parameter.gradientStorage.pointer
            for j in 0..<parameter.count { g[j] *= scale }
        }
        return norm
    }
}
