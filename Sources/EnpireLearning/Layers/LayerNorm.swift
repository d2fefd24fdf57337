/// Layer normalisation over the feature dimension with a learned scale and shift.
public final class LayerNorm: Layer {
    /// `"layernorm"`.
    public let kind = "layernorm"
    /// Width (unchanged).
    public let inputFeatures: Int
    /// Same as ``inputFeatures``.
    public var outputFeatures: Int { inputFeatures }
    /// Scale γ, initialised to one.
    public let scale: Parameter
    /// Shift β, initialised to zero.
    public let shift: Parameter
    /// Added to the variance for numerical safety (PyTorch's default).
    public let epsilon: Float
    private let normalized = FloatBuffer()
    private let inverseStd = FloatBuffer()

    /// Creates a layer norm for `features` per example.
    public init(features: Int, epsilon: Float = 1e-5) {
        inputFeatures = features
        self.epsilon = epsilon
        scale = Parameter(name: "weight", value: Tensor(repeating: 1, shape: [features]))
        shift = Parameter(name: "bias", value: Tensor.zeros([features]))
    }

    /// Scale and shift.
    public var parameters: [Parameter] { [scale, shift] }

    /// Normalises each row, caching the normalised values and inverse standard deviations.
    public func forward(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, batchSize: Int,
                        training: Bool) {
        let n = inputFeatures
        normalized.reserve(batchSize * n)
        inverseStd.reserve(batchSize)
        let xhat = normalized.pointer, rstd = inverseStd.pointer
        let gamma = scale.storage.pointer, beta = shift.storage.pointer
        for row in 0..<batchSize {
            let x = input + row * n
            var mean: Float = 0
            for j in 0..<n { mean += x[j] }
            mean /= Float(n)
            var variance: Float = 0
            for j in 0..<n {
                let d = x[j] - mean
                variance += d * d
            }
            variance /= Float(n)
            let r = 1 / (variance + epsilon).squareRoot()
            rstd[row] = r
            let xh = xhat + row * n, y = output + row * n
            for j in 0..<n {
                let v = (x[j] - mean) * r
                xh[j] = v
                y[j] = v * gamma[j] + beta[j]
            }
        }
    }

    /// Standard layer-norm backward from the cached normalised values.
    public func backward(input: UnsafePointer<Float>, output: UnsafePointer<Float>,
                         gradOutput: UnsafePointer<Float>, gradInput: UnsafeMutablePointer<Float>?,
                         batchSize: Int, mode: ParameterGradientMode) {
        let n = inputFeatures
        let xhat = normalized.pointer, rstd = inverseStd.pointer, gamma = scale.storage.pointer
        if mode != .skip {
            let dGamma = scale.gradientStorage.pointer, dBeta = shift.gradientStorage.pointer
            if mode == .overwrite {
                dGamma.update(repeating: 0, count: n)
                dBeta.update(repeating: 0, count: n)
            }
            for row in 0..<batchSize {
                let dy = gradOutput + row * n, xh = xhat + row * n
                for j in 0..<n {
                    dGamma[j] += dy[j] * xh[j]
                    dBeta[j] += dy[j]
                }
            }
        }
        guard let gradInput else { return }
        for row in 0..<batchSize {
            let dy = gradOutput + row * n, xh = xhat + row * n, dx = gradInput + row * n
            var meanG: Float = 0, meanGX: Float = 0
            for j in 0..<n {
                let g = dy[j] * gamma[j]
                meanG += g
                meanGX += g * xh[j]
            }
            meanG /= Float(n)
            meanGX /= Float(n)
            let r = rstd[row]
            for j in 0..<n { dx[j] = r * (dy[j] * gamma[j] - meanG - xh[j] * meanGX) }
        }
    }
}
