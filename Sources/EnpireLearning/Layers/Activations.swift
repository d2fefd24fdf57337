import Foundation

/// Rectified linear unit `max(0, x)`.
public final class ReLU: Layer {
    /// `"relu"`.
    public let kind = "relu"
    /// Width (unchanged by the activation).
    public let inputFeatures: Int
    /// Same as ``inputFeatures``.
    public var outputFeatures: Int { inputFeatures }

    /// Creates the activation for `features` per example.
    public init(features: Int) { inputFeatures = features }

    /// Elementwise `max(0, x)`.
    public func forward(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, batchSize: Int,
                        training: Bool) {
        for index in 0..<(batchSize * inputFeatures) { output[index] = max(input[index], 0) }
    }

    /// Passes the gradient where the output was positive.
    public func backward(input: UnsafePointer<Float>, output: UnsafePointer<Float>,
                         gradOutput: UnsafePointer<Float>, gradInput: UnsafeMutablePointer<Float>?,
                         batchSize: Int, mode: ParameterGradientMode) {
        guard let gradInput else { return }
        for index in 0..<(batchSize * inputFeatures) {
            gradInput[index] = output[index] > 0 ? gradOutput[index] : 0
        }
    }
}

/// Hyperbolic tangent.
public final class Tanh: Layer {
    /// `"tanh"`.
    public let kind = "tanh"
    /// Width (unchanged by the activation).
    public let inputFeatures: Int
    /// Same as ``inputFeatures``.
    public var outputFeatures: Int { inputFeatures }

    /// Creates the activation for `features` per example.
    public init(features: Int) { inputFeatures = features }

    /// Elementwise `tanh(x)`.
    public func forward(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, batchSize: Int,
                        training: Bool) {
        for index in 0..<(batchSize * inputFeatures) { output[index] = tanhf(input[index]) }
    }

    /// `dx = dy · (1 − y²)`, reusing the cached output.
    public func backward(input: UnsafePointer<Float>, output: UnsafePointer<Float>,
                         gradOutput: UnsafePointer<Float>, gradInput: UnsafeMutablePointer<Float>?,
                         batchSize: Int, mode: ParameterGradientMode) {
        guard let gradInput else { return }
        for index in 0..<(batchSize * inputFeatures) {
            let y = output[index]
            gradInput[index] = gradOutput[index] * (1 - y * y)
        }
    }
}

/// Gaussian error linear unit, tanh approximation (PyTorch `GELU(approximate="tanh")`).
public final class GELU: Layer {
    /// `"gelu"`.
    public let kind = "gelu"
    /// Width (unchanged by the activation).
    public let inputFeatures: Int
    /// Same as ``inputFeatures``.
    public var outputFeatures: Int { inputFeatures }
    private let c: Float = 0.797_884_56  // sqrt(2/pi)
    private let a: Float = 0.044_715

    /// Creates the activation for `features` per example.
    public init(features: Int) { inputFeatures = features }

    /// `0.5·x·(1 + tanh(c·(x + a·x³)))`.
    public func forward(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, batchSize: Int,
                        training: Bool) {
        for index in 0..<(batchSize * inputFeatures) {
            let x = input[index]
            output[index] = 0.5 * x * (1 + tanhf(c * (x + a * x * x * x)))
        }
    }

    /// Analytic derivative of the tanh approximation, from the cached input.
    public func backward(input: UnsafePointer<Float>, output: UnsafePointer<Float>,
                         gradOutput: UnsafePointer<Float>, gradInput: UnsafeMutablePointer<Float>?,
                         batchSize: Int, mode: ParameterGradientMode) {
        guard let gradInput else { return }
        for index in 0..<(batchSize * inputFeatures) {
            let x = input[index]
            let t = tanhf(c * (x + a * x * x * x))
            let derivative = 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * c * (1 + 3 * a * x * x)
            gradInput[index] = gradOutput[index] * derivative
        }
    }
}
