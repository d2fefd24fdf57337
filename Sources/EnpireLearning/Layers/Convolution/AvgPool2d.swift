/// Average pooling over NCHW examples with a rectangular window and no padding (PyTorch's `nn.AvgPool2d`);
/// ``init(globalOver:)`` averages each channel to one value (global average pooling).
public final class AvgPool2d: Layer {
    /// `"avgpool2d"`.
    public let kind = "avgpool2d"
    /// Shape of one input example.
    public let inputShape: ImageShape
    /// Shape of one output example.
    public let outputShape: ImageShape
    /// Window height.
    public let kernelHeight: Int
    /// Window width.
    public let kernelWidth: Int
    /// Step between windows (both directions).
    public let stride: Int

    /// Creates a square-window pool (stride defaults to the window size), failing when the window exceeds
    /// the input.
    public convenience init(inputShape: ImageShape, kernelSize: Int, stride: Int? = nil) throws(TensorError) {
        try self.init(inputShape: inputShape, kernelHeight: kernelSize, kernelWidth: kernelSize,
                      stride: stride ?? kernelSize)
    }

    /// Creates a global average pool: one value per channel.
    public convenience init(globalOver inputShape: ImageShape) throws(TensorError) {
        try self.init(inputShape: inputShape, kernelHeight: inputShape.height, kernelWidth: inputShape.width,
                      stride: max(inputShape.height, inputShape.width))
    }

    private init(inputShape: ImageShape, kernelHeight: Int, kernelWidth: Int, stride: Int) throws(TensorError) {
        try inputShape.validate("AvgPool2d")
        guard kernelHeight > 0, kernelWidth > 0, stride > 0, kernelHeight <= inputShape.height,
              kernelWidth <= inputShape.width else {
            throw .shapeMismatch("AvgPool2d window \(kernelHeight)×\(kernelWidth) (stride \(stride)) does not "
                + "fit input \(inputShape)")
        }
        self.inputShape = inputShape
        self.kernelHeight = kernelHeight
        self.kernelWidth = kernelWidth
        self.stride = stride
        outputShape = ImageShape(channels: inputShape.channels,
                                 height: (inputShape.height - kernelHeight) / stride + 1,
                                 width: (inputShape.width - kernelWidth) / stride + 1)
    }

    /// `channels · height · width` of the input.
    public var inputFeatures: Int { inputShape.count }
    /// `channels · outHeight · outWidth`.
    public var outputFeatures: Int { outputShape.count }

    /// The mean of each window.
    public func forward(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, batchSize: Int,
                        training: Bool) {
        let planes = batchSize * inputShape.channels
        let w = inputShape.width, inPlane = inputShape.pixels, outPlane = outputShape.pixels
        let scale = 1 / Float(kernelHeight * kernelWidth)
        for plane in 0..<planes {
            let x = input + plane * inPlane, y = output + plane * outPlane
            for oh in 0..<outputShape.height {
                for ow in 0..<outputShape.width {
                    let corner = x + oh * stride * w + ow * stride
                    var total: Float = 0
                    for kh in 0..<kernelHeight { total += FusedKernels.sum(corner + kh * w, count: kernelWidth) }
                    y[oh * outputShape.width + ow] = total * scale
                }
            }
        }
    }

    /// Spreads each output gradient evenly over its window.
    public func backward(input: UnsafePointer<Float>, output: UnsafePointer<Float>,
                         gradOutput: UnsafePointer<Float>, gradInput: UnsafeMutablePointer<Float>?,
                         batchSize: Int, mode: ParameterGradientMode) {
        guard let gradInput else { return }
        gradInput.update(repeating: 0, count: batchSize * inputFeatures)
        let planes = batchSize * inputShape.channels
        let w = inputShape.width, inPlane = inputShape.pixels, outPlane = outputShape.pixels
        let scale = 1 / Float(kernelHeight * kernelWidth)
        for plane in 0..<planes {
            let dx = gradInput + plane * inPlane, dy = gradOutput + plane * outPlane
            for oh in 0..<outputShape.height {
                for ow in 0..<outputShape.width {
                    let share = dy[oh * outputShape.width + ow] * scale
                    let corner = dx + oh * stride * w + ow * stride
                    for kh in 0..<kernelHeight {
                        for kw in 0..<kernelWidth { corner[kh * w + kw] += share }
                    }
                }
            }
        }
    }
}
