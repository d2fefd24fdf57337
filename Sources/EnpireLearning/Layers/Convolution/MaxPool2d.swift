/// Max pooling over NCHW examples with a square window and no padding (PyTorch's `nn.MaxPool2d(k, stride)`).
///
/// The backward pass sends each output's gradient to the first input in its window that equals the output
/// (recomputed from the cached input and output, so no index buffer is kept).
public final class MaxPool2d: Layer {
    /// `"maxpool2d"`.
    public let kind = "maxpool2d"
    /// Shape of one input example.
    public let inputShape: ImageShape
    /// Shape of one output example.
    public let outputShape: ImageShape
    /// Window height and width.
    public let kernelSize: Int
    /// Step between windows.
    public let stride: Int

    /// Creates the pool (stride defaults to the window size), failing when the window exceeds the input.
    public init(inputShape: ImageShape, kernelSize: Int, stride: Int? = nil) throws(TensorError) {
        try inputShape.validate("MaxPool2d")
        let stride = stride ?? kernelSize
        guard kernelSize > 0, stride > 0, kernelSize <= inputShape.height, kernelSize <= inputShape.width else {
            throw .shapeMismatch("MaxPool2d window \(kernelSize) (stride \(stride)) does not fit input \(inputShape)")
        }
        self.inputShape = inputShape
        self.kernelSize = kernelSize
        self.stride = stride
        outputShape = ImageShape(channels: inputShape.channels, height: (inputShape.height - kernelSize) / stride + 1,
                                 width: (inputShape.width - kernelSize) / stride + 1)
    }

    /// `channels · height · width` of the input.
    public var inputFeatures: Int { inputShape.count }
    /// `channels · outHeight · outWidth`.
    public var outputFeatures: Int { outputShape.count }

    /// The maximum of each window.
    public func forward(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, batchSize: Int,
                        training: Bool) {
        let planes = batchSize * inputShape.channels
        let w = inputShape.width, inPlane = inputShape.pixels, outPlane = outputShape.pixels
        for plane in 0..<planes {
            let x = input + plane * inPlane, y = output + plane * outPlane
            for oh in 0..<outputShape.height {
                for ow in 0..<outputShape.width {
                    let corner = x + oh * stride * w + ow * stride
                    var best = corner[0]
                    for kh in 0..<kernelSize {
                        for kw in 0..<kernelSize { best = max(best, corner[kh * w + kw]) }
                    }
                    y[oh * outputShape.width + ow] = best
                }
            }
        }
    }

    /// Routes each output gradient to its window's arg-max (gradients of overlapping windows add up).
    public func backward(input: UnsafePointer<Float>, output: UnsafePointer<Float>,
                         gradOutput: UnsafePointer<Float>, gradInput: UnsafeMutablePointer<Float>?,
                         batchSize: Int, mode: ParameterGradientMode) {
        guard let gradInput else { return }
        gradInput.update(repeating: 0, count: batchSize * inputFeatures)
        let planes = batchSize * inputShape.channels
        let w = inputShape.width, inPlane = inputShape.pixels, outPlane = outputShape.pixels
        for plane in 0..<planes {
            let x = input + plane * inPlane, y = output + plane * outPlane
            let dx = gradInput + plane * inPlane, dy = gradOutput + plane * outPlane
            for oh in 0..<outputShape.height {
                for ow in 0..<outputShape.width {
                    let index = oh * outputShape.width + ow
                    let corner = oh * stride * w + ow * stride
                    search: for kh in 0..<kernelSize {
                        for kw in 0..<kernelSize where x[corner + kh * w + kw] == y[index] {
                            dx[corner + kh * w + kw] += dy[index]
                            break search
                        }
                    }
                }
            }
        }
    }
}
