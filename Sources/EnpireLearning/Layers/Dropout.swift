public import Enpire
/// Inverted dropout: in training, zeroes each element with probability `rate` and scales survivors by
/// `1/(1−rate)`; identity in evaluation.
public final class Dropout: Layer {
    /// `"dropout"`.
    public let kind = "dropout"
    /// Width (unchanged).
    public let inputFeatures: Int
    /// Same as ``inputFeatures``.
    public var outputFeatures: Int { inputFeatures }
    /// Probability of dropping an element.
    public let rate: Float
    /// Generator for masks; seeded so runs are reproducible.
    public var rng: SplitMix64
    private let mask = FloatBuffer()
    private var maskActive = false

    /// Creates dropout with a rate in [0, 1).
    public init(features: Int, rate: Float, rng: inout SplitMix64) {
        inputFeatures = features
        self.rate = min(max(rate, 0), 0.999)
        self.rng = rng.split()
    }

    /// Applies a fresh mask when training, otherwise copies the input.
    public func forward(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, batchSize: Int,
                        training: Bool) {
        let count = batchSize * inputFeatures
        maskActive = training && rate > 0
        guard maskActive else {
            output.update(from: input, count: count)
            return
        }
        mask.reserve(count)
        let m = mask.pointer
        let keep = 1 / (1 - rate)
        let threshold = UInt64(Double(rate) * 0x1.0p64.nextDown)
        for index in 0..<count {
            m[index] = rng.next() >= threshold ? keep : 0
            output[index] = input[index] * m[index]
        }
    }

    /// Multiplies the gradient by the same mask.
    public func backward(input: UnsafePointer<Float>, output: UnsafePointer<Float>,
                         gradOutput: UnsafePointer<Float>, gradInput: UnsafeMutablePointer<Float>?,
                         batchSize: Int, mode: ParameterGradientMode) {
        guard let gradInput else { return }
        let count = batchSize * inputFeatures
        guard maskActive else {
            gradInput.update(from: gradOutput, count: count)
            return
        }
        let m = mask.pointer
        for index in 0..<count { gradInput[index] = gradOutput[index] * m[index] }
    }
}
