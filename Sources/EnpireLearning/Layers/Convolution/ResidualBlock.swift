import CKernels
public import Enpire

/// A ResNet basic block at constant shape: `y = relu(x + GN(conv(relu(GN(conv(x))))))` with two 3×3
/// convolutions (stride 1, padding 1) and group norms.
///
/// The block owns its intermediate activations (four blocks of `batch × features`, grown to the largest batch
/// seen and reused) and back-propagates through both paths, adding the skip gradient to the convolution
/// path's input gradient. Parameters are named `conv1.weight`, `norm1.weight`, … (``Sequential`` prefixes
/// the layer index).
public final class ResidualBlock: Layer {
    /// `"residual"`.
    public let kind = "residual"
    /// Shape of one example (unchanged).
    public let shape: ImageShape
    /// First convolution.
    public let conv1: Conv2d
    /// First group norm.
    public let norm1: GroupNorm
    /// Second convolution.
    public let conv2: Conv2d
    /// Second group norm.
    public let norm2: GroupNorm
    private let convolved1 = FloatBuffer(), normalized1 = FloatBuffer(), activated1 = FloatBuffer()
    private let convolved2 = FloatBuffer(), normalized2 = FloatBuffer()
    private let gradientA = FloatBuffer(), gradientB = FloatBuffer()

    /// Creates a block with `groups` groups in each norm, failing unless they divide the channel count.
    public init(shape: ImageShape, groups: Int, rng: inout SplitMix64) throws(TensorError) {
        self.shape = shape
        conv1 = try Conv2d(inputShape: shape, outputChannels: shape.channels, kernelSize: 3, padding: 1, rng: &rng)
        norm1 = try GroupNorm(shape: shape, groups: groups)
        conv2 = try Conv2d(inputShape: shape, outputChannels: shape.channels, kernelSize: 3, padding: 1, rng: &rng)
        norm2 = try GroupNorm(shape: shape, groups: groups)
        for (prefix, layer) in [("conv1", conv1 as any Layer), ("norm1", norm1), ("conv2", conv2), ("norm2", norm2)] {
            for parameter in layer.parameters { parameter.name = "\(prefix).\(parameter.name)" }
        }
    }

    /// Values per example.
    public var inputFeatures: Int { shape.count }
    /// Same as ``inputFeatures``.
    public var outputFeatures: Int { shape.count }
    /// Both convolutions' and both norms' parameters.
    public var parameters: [Parameter] { conv1.parameters + norm1.parameters + conv2.parameters + norm2.parameters }

    /// Runs both paths and the final ReLU.
    public func forward(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, batchSize: Int,
                        training: Bool) {
        let count = batchSize * shape.count
        for buffer in [convolved1, normalized1, activated1, convolved2, normalized2] { buffer.reserve(count) }
        conv1.forward(input, convolved1.pointer, batchSize: batchSize, training: training)
        norm1.forward(convolved1.pointer, normalized1.pointer, batchSize: batchSize, training: training)
        let a = activated1.pointer, n1 = normalized1.pointer
        FusedKernels.forEachChunk(count: count, costPerItem: 1) { start, end, _ in
            for index in start..<end { a[index] = max(n1[index], 0) }
        }
        conv2.forward(a, convolved2.pointer, batchSize: batchSize, training: training)
        norm2.forward(convolved2.pointer, normalized2.pointer, batchSize: batchSize, training: training)
        let n2 = normalized2.pointer
        FusedKernels.forEachChunk(count: count, costPerItem: 1) { start, end, _ in
            for index in start..<end { output[index] = max(n2[index] + input[index], 0) }
        }
    }

    /// Back through the final ReLU, the convolution path (reusing the cached activations) and the skip.
    public func backward(input: UnsafePointer<Float>, output: UnsafePointer<Float>,
                         gradOutput: UnsafePointer<Float>, gradInput: UnsafeMutablePointer<Float>?,
                         batchSize: Int, mode: ParameterGradientMode) {
        let count = batchSize * shape.count
        gradientA.reserve(count)
        gradientB.reserve(count)
        let skip = gradientA.pointer, path = gradientB.pointer
        // The ReLU masks go through the branch-free C kernel (a data-dependent branch mispredicts on about half the
        // elements).
        let relu = FusedActivation.relu.kernelCode
        FusedKernels.forEachChunk(count: count, costPerItem: 1) { start, end, _ in
            enpire_activation_backward(1, end - start, output + start, gradOutput + start, skip + start, nil, relu)
        }
        norm2.backward(input: convolved2.pointer, output: normalized2.pointer, gradOutput: skip, gradInput: path,
                       batchSize: batchSize, mode: mode)
        // `normalized2` is not read by any backward pass (norm2 keeps its own x̂), so it takes conv2's input
        // gradient while gradientA keeps the skip gradient.
        let activatedGradient = normalized2.pointer
        conv2.backward(input: activated1.pointer, output: convolved2.pointer, gradOutput: path,
                       gradInput: activatedGradient, batchSize: batchSize, mode: mode)
        let n1 = normalized1.pointer
        FusedKernels.forEachChunk(count: count, costPerItem: 1) { start, end, _ in
            enpire_activation_backward(1, end - start, n1 + start, activatedGradient + start, activatedGradient + start,
                                       nil, relu)
        }
        norm1.backward(input: convolved1.pointer, output: normalized1.pointer, gradOutput: activatedGradient,
                       gradInput: path, batchSize: batchSize, mode: mode)
        conv1.backward(input: input, output: convolved1.pointer, gradOutput: path, gradInput: gradInput,
                       batchSize: batchSize, mode: mode)
        guard let gradInput else { return }
        FusedKernels.forEachChunk(count: count, costPerItem: 1) { start, end, _ in
            for index in start..<end { gradInput[index] += skip[index] }
        }
    }
}
