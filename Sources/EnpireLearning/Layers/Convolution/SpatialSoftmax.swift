import Foundation

/// Spatial soft-argmax (Levine et al., 2016): a softmax over each channel's pixels, then the expected x and
/// y coordinate under it, so `C` feature maps become `C` keypoints `(x, y)` in `[-1, 1]`.
///
/// Output per example is `[x₀, y₀, x₁, y₁, …]` (robomimic's layout); x runs along the width, y along the
/// height, both `linspace(-1, 1)`. The temperature is fixed. The softmax is cached for the backward pass.
public final class SpatialSoftmax: Layer {
    /// `"spatialsoftmax"`.
    public let kind = "spatialsoftmax"
    /// Shape of one input example.
    public let inputShape: ImageShape
    /// Logits are divided by this before the softmax.
    public let temperature: Float
    private let probabilities = FloatBuffer()
    private let xs: [Float]
    private let ys: [Float]

    /// Creates the layer, failing when the temperature is not positive.
    public init(inputShape: ImageShape, temperature: Float = 1) throws(TensorError) {
        try inputShape.validate("SpatialSoftmax")
        guard temperature > 0 else { throw .shapeMismatch("SpatialSoftmax temperature must be > 0, got \(temperature)") }
        self.inputShape = inputShape
        self.temperature = temperature
        func linspace(_ count: Int) -> [Float] {
            count == 1 ? [0] : (0..<count).map { -1 + 2 * Float($0) / Float(count - 1) }
        }
        let columns = linspace(inputShape.width), rows = linspace(inputShape.height)
        xs = (0..<inputShape.pixels).map { columns[$0 % inputShape.width] }
        ys = (0..<inputShape.pixels).map { rows[$0 / inputShape.width] }
    }

    /// `channels · height · width`.
    public var inputFeatures: Int { inputShape.count }
    /// Two coordinates per channel.
    public var outputFeatures: Int { 2 * inputShape.channels }

    /// Softmax per channel and the expected coordinates; planes are split across the compute pool when the
    /// block is large (2^18 values, or `ENPIRE_PARALLEL_THRESHOLD`).
    public func forward(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, batchSize: Int,
                        training: Bool) {
        let pixels = inputShape.pixels, planes = batchSize * inputShape.channels
        probabilities.reserve(planes * pixels)
        let scale = 1 / temperature, probabilities = probabilities.pointer
        xs.withUnsafeBufferPointer { xs in
            ys.withUnsafeBufferPointer { ys in
                let xs = xs.baseAddress!, ys = ys.baseAddress!
                FusedKernels.forEachChunk(count: planes, costPerItem: pixels) { start, end, _ in
                    for plane in start..<end {
                        let x = input + plane * pixels, p = probabilities + plane * pixels
                        var largest = -Float.infinity
                        for index in 0..<pixels { largest = max(largest, x[index]) }
                        var total: Float = 0
                        for index in 0..<pixels {
                            let e = expf((x[index] - largest) * scale)
                            p[index] = e
                            total += e
                        }
                        let inverse = 1 / total
                        for index in 0..<pixels { p[index] *= inverse }
                        output[2 * plane] = FusedKernels.dot(p, xs, count: pixels)
                        output[2 * plane + 1] = FusedKernels.dot(p, ys, count: pixels)
                    }
                }
            }
        }
    }

    /// `dxᵢ = pᵢ · (gx·(xᵢ − E[x]) + gy·(yᵢ − E[y])) / temperature`, split like the forward pass.
    public func backward(input: UnsafePointer<Float>, output: UnsafePointer<Float>,
                         gradOutput: UnsafePointer<Float>, gradInput: UnsafeMutablePointer<Float>?,
                         batchSize: Int, mode: ParameterGradientMode) {
        guard let gradInput else { return }
        let pixels = inputShape.pixels, planes = batchSize * inputShape.channels
        let scale = 1 / temperature, probabilities = probabilities.pointer
        xs.withUnsafeBufferPointer { xs in
            ys.withUnsafeBufferPointer { ys in
                let xs = xs.baseAddress!, ys = ys.baseAddress!
                FusedKernels.forEachChunk(count: planes, costPerItem: pixels) { start, end, _ in
                    for plane in start..<end {
                        let p = probabilities + plane * pixels, dx = gradInput + plane * pixels
                        let gx = gradOutput[2 * plane] * scale, gy = gradOutput[2 * plane + 1] * scale
                        let ex = output[2 * plane], ey = output[2 * plane + 1]
                        for index in 0..<pixels {
                            dx[index] = p[index] * (gx * (xs[index] - ex) + gy * (ys[index] - ey))
                        }
                    }
                }
            }
        }
    }
}
