public import Enpire

/// Two-dimensional convolution over NCHW examples (square kernel, stride, zero padding), as `im2col` plus
/// `sgemm`, with weights `[out, in, k, k]` as in PyTorch's `nn.Conv2d`.
///
/// Forward, per example: the receptive fields are laid out as columns `[in·k·k, outH·outW]` and
/// `Y = W · columns + b`. Backward recomputes the columns rather than keeping them for the whole batch
/// (they are `k²` times the input), then `dW += dY · columnsᵀ`, `db = Σ dY` and `dX = col2im(Wᵀ · dY)`.
/// One column buffer is kept and reused, so steady-state training allocates nothing here.
public final class Conv2d: Layer {
    /// `"conv2d"`.
    public let kind = "conv2d"
    /// Shape of one input example.
    public let inputShape: ImageShape
    /// Shape of one output example.
    public let outputShape: ImageShape
    /// Kernel height and width.
    public let kernelSize: Int
    /// Step between receptive fields.
    public let stride: Int
    /// Zero padding added on every side.
    public let padding: Int
    /// Weight `[outChannels, inChannels, kernelSize, kernelSize]`.
    public let weight: Parameter
    /// Bias `[outChannels]`.
    public let bias: Parameter
    let transform: Im2Col
    private let columns = FloatBuffer()

    /// Creates a convolution with PyTorch's default initialisation (uniform in ±1/√(in·k·k) for weight and
    /// bias), failing when the kernel does not fit the padded input or a size is not positive.
    public init(inputShape: ImageShape, outputChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
                rng: inout SplitMix64) throws(TensorError) {
        try inputShape.validate("Conv2d")
        guard outputChannels > 0, kernelSize > 0, stride > 0, padding >= 0 else {
            throw .shapeMismatch("Conv2d needs positive channels, kernel and stride and padding ≥ 0, got "
                + "\(outputChannels) channels, kernel \(kernelSize), stride \(stride), padding \(padding)")
        }
        let outHeight = (inputShape.height + 2 * padding - kernelSize) / stride + 1
        let outWidth = (inputShape.width + 2 * padding - kernelSize) / stride + 1
        guard inputShape.height + 2 * padding >= kernelSize, inputShape.width + 2 * padding >= kernelSize else {
            throw .shapeMismatch("Conv2d kernel \(kernelSize) is larger than the padded input \(inputShape) "
                + "(padding \(padding))")
        }
        self.inputShape = inputShape
        outputShape = ImageShape(channels: outputChannels, height: outHeight, width: outWidth)
        self.kernelSize = kernelSize
        self.stride = stride
        self.padding = padding
        transform = Im2Col(input: inputShape, kernel: kernelSize, stride: stride, padding: padding,
                           outHeight: outHeight, outWidth: outWidth)
        let fanIn = inputShape.channels * kernelSize * kernelSize
        let bound = 1 / Float(fanIn).squareRoot()
        weight = Parameter(name: "weight", value: .randomUniform(
            [outputChannels, inputShape.channels, kernelSize, kernelSize], in: -bound...bound, using: &rng))
        bias = Parameter(name: "bias", value: .randomUniform([outputChannels], in: -bound...bound, using: &rng))
    }

    /// `inChannels · height · width`.
    public var inputFeatures: Int { inputShape.count }
    /// `outChannels · outHeight · outWidth`.
    public var outputFeatures: Int { outputShape.count }
    /// Weight and bias.
    public var parameters: [Parameter] { [weight, bias] }

    /// A 1×1 convolution with stride 1 and no padding reads its input directly as the column matrix.
    private var isPointwise: Bool { kernelSize == 1 && stride == 1 && padding == 0 }

    /// Columns of example `input` (the input itself for a pointwise convolution, else `im2col` into the buffer).
    private func columnMatrix(_ input: UnsafePointer<Float>) -> UnsafePointer<Float> {
        if isPointwise { return input }
        transform.im2col(input, columns.pointer)
        return UnsafePointer(columns.pointer)
    }

    /// `Y = W · im2col(X) + b`, one product per example.
    public func forward(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, batchSize: Int,
                        training: Bool) {
        let k = transform.rows, p = transform.columns, outChannels = outputShape.channels
        columns.reserve(k * p)
        let w = UnsafePointer(weight.storage.pointer), b = bias.storage.pointer
        for example in 0..<batchSize {
            let y = output + example * outputFeatures
            for channel in 0..<outChannels { (y + channel * p).update(repeating: b[channel], count: p) }
            let col = columnMatrix(input + example * inputFeatures)
            BLAS.gemm(transposeA: false, transposeB: false, m: outChannels, n: p, k: k, alpha: 1, a: w, lda: k,
                      b: col, ldb: p, beta: 1, c: y, ldc: p)
        }
    }

    /// `dW (+)= Σ dY · columnsᵀ`, `db (+)= Σ dY`, `dX = col2im(Wᵀ · dY)`; columns are recomputed per example.
    public func backward(input: UnsafePointer<Float>, output: UnsafePointer<Float>,
                         gradOutput: UnsafePointer<Float>, gradInput: UnsafeMutablePointer<Float>?,
                         batchSize: Int, mode: ParameterGradientMode) {
        let k = transform.rows, p = transform.columns, outChannels = outputShape.channels
        columns.reserve(k * p)
        let w = UnsafePointer(weight.storage.pointer)
        if mode != .skip {
            let dW = weight.gradientStorage.pointer, db = bias.gradientStorage.pointer
            if mode == .overwrite {
                dW.update(repeating: 0, count: weight.count)
                db.update(repeating: 0, count: outChannels)
            }
            for example in 0..<batchSize {
                let dy = gradOutput + example * outputFeatures
                for channel in 0..<outChannels {
                    db[channel] += FusedKernels.sum(dy + channel * p, count: p)
                }
                let col = columnMatrix(input + example * inputFeatures)
                BLAS.gemm(transposeA: false, transposeB: true, m: outChannels, n: k, k: p, alpha: 1, a: dy, lda: p,
                          b: col, ldb: p, beta: 1, c: dW, ldc: k)
            }
        }
        guard let gradInput else { return }
        for example in 0..<batchSize {
            let dy = gradOutput + example * outputFeatures
            let dx = gradInput + example * inputFeatures
            if isPointwise {
                BLAS.gemm(transposeA: true, transposeB: false, m: k, n: p, k: outChannels, alpha: 1, a: w, lda: k,
                          b: dy, ldb: p, beta: 0, c: dx, ldc: p)
                continue
            }
            BLAS.gemm(transposeA: true, transposeB: false, m: k, n: p, k: outChannels, alpha: 1, a: w, lda: k,
                      b: dy, ldb: p, beta: 0, c: columns.pointer, ldc: p)
            dx.update(repeating: 0, count: inputFeatures)
            transform.col2im(columns.pointer, dx)
        }
    }
}
