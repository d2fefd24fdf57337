/// Group normalisation (Wu & He, 2018) over NCHW examples: channels are split into groups, each group of each
/// example is normalised to zero mean and unit variance, then scaled and shifted per channel.
///
/// Unlike batch normalisation it keeps no running statistics and behaves the same in training and evaluation
/// and at batch size 1. Matches PyTorch's `nn.GroupNorm(groups, channels)` (biased variance, ε = 1e-5).
/// Examples are split across cores when the block is large (the threshold of the element-wise kernels, 2^18).
public final class GroupNorm: Layer {
    /// `"groupnorm"`.
    public let kind = "groupnorm"
    /// Shape of one example (unchanged).
    public let shape: ImageShape
    /// Number of groups; divides the channel count.
    public let groups: Int
    /// Scale γ per channel, initialised to one.
    public let scale: Parameter
    /// Shift β per channel, initialised to zero.
    public let shift: Parameter
    /// Added to the variance for numerical safety.
    public let epsilon: Float
    /// Mean and 1/σ per example and group, from the forward pass (`x̂` is recomputed from them backward, exactly
    /// as forward computed it, rather than written out and read back).
    private let means = FloatBuffer()
    private let inverseStd = FloatBuffer()
    /// Per-chunk sums of `dy` and `dy·x̂` per channel (``FusedKernels/maxChunks`` × 2 × channels).
    private let partials: FloatBuffer

    /// Creates a group norm, failing unless `groups` divides the channel count.
    public init(shape: ImageShape, groups: Int, epsilon: Float = 1e-5) throws(TensorError) {
        try shape.validate("GroupNorm")
        guard groups > 0, shape.channels % groups == 0 else {
            throw .shapeMismatch("GroupNorm: \(groups) groups do not divide \(shape.channels) channels")
        }
        self.shape = shape
        self.groups = groups
        self.epsilon = epsilon
        scale = Parameter(name: "weight", value: Tensor(repeating: 1, shape: [shape.channels]))
        shift = Parameter(name: "bias", value: Tensor.zeros([shape.channels]))
        partials = FloatBuffer(count: FusedKernels.maxChunks * 2 * shape.channels)
    }

    /// Values per example.
    public var inputFeatures: Int { shape.count }
    /// Same as ``inputFeatures``.
    public var outputFeatures: Int { shape.count }
    /// Scale and shift.
    public var parameters: [Parameter] { [scale, shift] }

    /// Normalises each group of each example, caching each group's mean and 1/σ.
    public func forward(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, batchSize: Int,
                        training: Bool) {
        means.reserve(batchSize * groups)
        inverseStd.reserve(batchSize * groups)
        let mu = means.pointer, rstd = inverseStd.pointer
        let gamma = scale.storage.pointer, beta = shift.storage.pointer
        let perGroup = shape.channels / groups, pixels = shape.pixels, count = perGroup * pixels
        let features = inputFeatures, groups = groups, epsilon = epsilon
        FusedKernels.forEachChunk(count: batchSize, costPerItem: features) { start, end, _ in
            for example in start..<end {
                for group in 0..<groups {
                    let offset = example * features + group * count
                    let x = input + offset
                    let mean = FusedKernels.sum(x, count: count) / Float(count)
                    let variance = FusedKernels.sumOfSquaredDeviations(x, mean: mean, count: count) / Float(count)
                    let r = 1 / (variance + epsilon).squareRoot()
                    mu[example * groups + group] = mean
                    rstd[example * groups + group] = r
                    for local in 0..<perGroup {
                        let channel = group * perGroup + local
                        let g = gamma[channel], b = beta[channel]
                        let xc = x + local * pixels, y = output + offset + local * pixels
                        for index in 0..<pixels { y[index] = (xc[index] - mean) * r * g + b }
                    }
                }
            }
        }
    }

    /// Group-norm backward from `x̂ = (x − mean) / σ` (recomputed from the input and the cached statistics, the
    /// same floats forward computed): per channel `Σ dy` and `Σ dy·x̂` give the parameter gradients and the two
    /// group means the input gradient needs.
    public func backward(input: UnsafePointer<Float>, output: UnsafePointer<Float>,
                         gradOutput: UnsafePointer<Float>, gradInput: UnsafeMutablePointer<Float>?,
                         batchSize: Int, mode: ParameterGradientMode) {
        let channels = shape.channels, perGroup = channels / groups, pixels = shape.pixels
        let count = perGroup * pixels, features = inputFeatures, groups = groups
        let mu = means.pointer, rstd = inverseStd.pointer, gamma = scale.storage.pointer
        let split = batchSize * features >= FusedKernels.parallelThreshold && min(FusedKernels.chunkCount, batchSize) > 1
        let chunks = split ? min(FusedKernels.chunkCount, batchSize) : 1
        let scratch = partials.pointer
        scratch.update(repeating: 0, count: chunks * 2 * channels)
        FusedKernels.forEachChunk(count: batchSize, costPerItem: features) { start, end, chunk in
            let sumDy = scratch + chunk * 2 * channels, sumDyX = sumDy + channels
            for example in start..<end {
                for group in 0..<groups {
                    let offset = example * features + group * count
                    let mean = mu[example * groups + group], r = rstd[example * groups + group]
                    var meanG: Float = 0, meanGX: Float = 0
                    for local in 0..<perGroup {
                        let channel = group * perGroup + local
                        let dy = gradOutput + offset + local * pixels, x = input + offset + local * pixels
                        let s = FusedKernels.sum(dy, count: pixels)
                        let sx = FusedKernels.normalizedDot(dy, x, mean: mean, inverseStd: r, count: pixels)
                        sumDy[channel] += s
                        sumDyX[channel] += sx
                        meanG += gamma[channel] * s
                        meanGX += gamma[channel] * sx
                    }
                    guard let gradInput else { continue }
                    meanG /= Float(count)
                    meanGX /= Float(count)
                    for local in 0..<perGroup {
                        let channel = group * perGroup + local
                        let g = gamma[channel]
                        let dy = gradOutput + offset + local * pixels, x = input + offset + local * pixels
                        let dx = gradInput + offset + local * pixels
                        for index in 0..<pixels {
                            dx[index] = r * (dy[index] * g - meanG - (x[index] - mean) * r * meanGX)
                        }
                    }
                }
            }
        }
        guard mode != .skip else { return }
        let dGamma = scale.gradientStorage.pointer, dBeta = shift.gradientStorage.pointer
        if mode == .overwrite {
            dGamma.update(repeating: 0, count: channels)
            dBeta.update(repeating: 0, count: channels)
        }
        for chunk in 0..<chunks {
            let sumDy = scratch + chunk * 2 * channels, sumDyX = sumDy + channels
            for channel in 0..<channels {
                dBeta[channel] += sumDy[channel]
                dGamma[channel] += sumDyX[channel]
            }
        }
    }
}
