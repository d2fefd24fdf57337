import Foundation

/// An activation applied to each feature on its own: a ``Layer`` as wide out as in, without parameters.
///
/// A conforming layer supplies ``activate(_:)`` and ``backpropagate(_:input:output:)``; the loops over the batch
/// come from this protocol's extension.
public protocol ElementwiseActivation: Layer {
    /// The activation of one input value.
    func activate(_ x: Float) -> Float
    /// The gradient reaching input `x` (whose output was `y`) from `gradOutput` at the output.
    func backpropagate(_ gradOutput: Float, input x: Float, output y: Float) -> Float
}

extension ElementwiseActivation {
    /// Same as ``Layer/inputFeatures`` (an activation keeps the width).
    public var outputFeatures: Int { inputFeatures }

    /// Applies ``activate(_:)`` to every element of the batch (examples split across the compute pool when the
    /// block is large: 2^18 values, or `ENPIRE_PARALLEL_THRESHOLD`).
    public func forward(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, batchSize: Int,
                        training: Bool) {
        let features = inputFeatures
        FusedKernels.forEachChunk(count: batchSize, costPerItem: features) { start, end, _ in
            for index in start * features..<end * features { output[index] = activate(input[index]) }
        }
    }

    /// Applies ``backpropagate(_:input:output:)`` to every element, reusing the cached input and output (split
    /// like the forward pass).
    public func backward(input: UnsafePointer<Float>, output: UnsafePointer<Float>,
                         gradOutput: UnsafePointer<Float>, gradInput: UnsafeMutablePointer<Float>?,
                         batchSize: Int, mode: ParameterGradientMode) {
        guard let gradInput else { return }
        let features = inputFeatures
        FusedKernels.forEachChunk(count: batchSize, costPerItem: features) { start, end, _ in
            for index in start * features..<end * features {
                gradInput[index] = backpropagate(gradOutput[index], input: input[index], output: output[index])
            }
        }
    }
}

/// Rectified linear unit `max(0, x)`.
public final class ReLU: ElementwiseActivation {
    /// `"relu"`.
    public let kind = "relu"
    /// Width (unchanged by the activation).
    public let inputFeatures: Int

    /// Creates the activation for `features` per example.
    public init(features: Int) { inputFeatures = features }

    /// `max(0, x)`.
    public func activate(_ x: Float) -> Float { max(x, 0) }

    /// Passes the gradient where the output was positive.
    public func backpropagate(_ gradOutput: Float, input x: Float, output y: Float) -> Float {
        y > 0 ? gradOutput : 0
    }
}

/// Hyperbolic tangent.
public final class Tanh: ElementwiseActivation {
    /// `"tanh"`.
    public let kind = "tanh"
    /// Width (unchanged by the activation).
    public let inputFeatures: Int

    /// Creates the activation for `features` per example.
    public init(features: Int) { inputFeatures = features }

    /// `tanh(x)`.
    public func activate(_ x: Float) -> Float { tanhf(x) }

    /// `dx = dy · (1 − y²)`, reusing the cached output.
    public func backpropagate(_ gradOutput: Float, input x: Float, output y: Float) -> Float {
        gradOutput * (1 - y * y)
    }
}

/// Gaussian error linear unit, tanh approximation (PyTorch `GELU(approximate="tanh")`).
public final class GELU: ElementwiseActivation {
    /// `"gelu"`.
    public let kind = "gelu"
    /// Width (unchanged by the activation).
    public let inputFeatures: Int
    private let c: Float = 0.797_884_56  // sqrt(2/pi)
    private let a: Float = 0.044_715

    /// Creates the activation for `features` per example.
    public init(features: Int) { inputFeatures = features }

    /// `0.5·x·(1 + tanh(c·(x + a·x³)))`.
    public func activate(_ x: Float) -> Float { 0.5 * x * (1 + tanhf(c * (x + a * x * x * x))) }

    /// Analytic derivative of the tanh approximation, from the cached input.
    public func backpropagate(_ gradOutput: Float, input x: Float, output y: Float) -> Float {
        let t = tanhf(c * (x + a * x * x * x))
        let derivative = 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * c * (1 + 3 * a * x * x)
        return gradOutput * derivative
    }
}
