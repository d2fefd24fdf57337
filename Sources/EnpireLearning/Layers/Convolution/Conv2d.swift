public import Enpire
import Foundation

/// Two-dimensional convolution over NCHW examples (square kernel, stride, zero padding), as `im2col` plus
/// `sgemm`, with weights `[out, in, k, k]` as in PyTorch's `nn.Conv2d`.
///
/// Forward: the receptive fields of a group of examples are laid out as columns `[in·k·k, group·outH·outW]`
/// and `Y = W · columns + b` is one product per group (groups hold as many examples as fit 16 MiB of
/// columns). Backward recomputes the columns rather than keeping them for the whole batch (they are `k²` times
/// the input), then `dW += dY · columnsᵀ`, `db = Σ dY` and `dX = col2im(Wᵀ · dY)`. `im2col`, `col2im` and the
/// layout copies are split across cores by example; the products are OpenBLAS's. The buffers are kept and
/// reused, so steady-state training with a fixed batch size allocates nothing here except Dispatch's own
/// small allocations when a pass is split (as in ``Sequential``'s element-wise kernels).
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
    /// Columns of one group of examples, side by side (`[in·k·k, group·P]`).
    private let columns = FloatBuffer()
    /// Products (forward) or output gradients (backward) of one group, `[out, group·P]`.
    private let products = FloatBuffer()

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

    /// Column-matrix floats one group of examples may use: the group's examples share one product. 2^22 (16 MiB)
    /// by default, overridable with the environment variable `ENPIRE_CONV_COLUMN_BUDGET` (for measuring).
    static let defaultColumnBudget: Int = {
        if let text = ProcessInfo.processInfo.environment["ENPIRE_CONV_COLUMN_BUDGET"], let value = Int(text),
           value > 0 {
            return value
        }
        return 1 << 22
    }()
    /// This layer's budget (tests lower it to exercise several groups per batch).
    var columnBudget = Conv2d.defaultColumnBudget

    /// Examples per group for this layer: as many as fit ``columnBudget``, at most `batchSize`.
    private func groupSize(_ batchSize: Int) -> Int {
        max(1, min(batchSize, columnBudget / max(transform.rows * transform.columns, 1)))
    }

    /// Lays the columns of examples `first..<first + count` side by side into the column buffer (rows
    /// `count · P` floats apart), one example per task, split across cores when large.
    private func gatherColumns(_ input: UnsafePointer<Float>, first: Int, count: Int) {
        let p = transform.columns, leading = count * p, features = inputFeatures, transform = transform
        let col = columns.pointer
        FusedKernels.forEachChunk(count: count, costPerItem: transform.rows * p) { start, end, _ in
            for local in start..<end {
                transform.im2col(input + (first + local) * features, col + local * p, leading: leading)
            }
        }
    }

    /// `Y = W · im2col(X) + b`: per group of examples, their columns side by side and one product
    /// `[out, in·k·k] · [in·k·k, group·P]`, then a scatter into NCHW with the bias added.
    public func forward(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, batchSize: Int,
                        training: Bool) {
        let k = transform.rows, p = transform.columns, outChannels = outputShape.channels
        let group = groupSize(batchSize)
        columns.reserve(k * p * group)
        products.reserve(outChannels * p * group)
        let w = UnsafePointer(weight.storage.pointer), b = UnsafePointer(bias.storage.pointer)
        let features = outputFeatures, product = products.pointer
        var first = 0
        while first < batchSize {
            let count = min(group, batchSize - first), leading = count * p
            gatherColumns(input, first: first, count: count)
            BLAS.gemm(transposeA: false, transposeB: false, m: outChannels, n: leading, k: k, alpha: 1, a: w, lda: k,
                      b: columns.pointer, ldb: leading, beta: 0, c: product, ldc: leading)
            let base = first
            FusedKernels.forEachChunk(count: count, costPerItem: features) { start, end, _ in
                for local in start..<end {
                    let y = output + (base + local) * features
                    for channel in 0..<outChannels {
                        let source = product + channel * leading + local * p, target = y + channel * p
                        let shift = b[channel]
                        for index in 0..<p { target[index] = source[index] + shift }
                    }
                }
            }
            first += count
        }
    }

    /// Per group of examples: `dY` gathered to `[out, group·P]` (with `db`), `dW (+)= dY · columnsᵀ` on the
    /// recomputed columns, `dColumns = Wᵀ · dY` and `col2im` into `dX`.
    public func backward(input: UnsafePointer<Float>, output: UnsafePointer<Float>,
                         gradOutput: UnsafePointer<Float>, gradInput: UnsafeMutablePointer<Float>?,
                         batchSize: Int, mode: ParameterGradientMode) {
        let k = transform.rows, p = transform.columns, outChannels = outputShape.channels
        let group = groupSize(batchSize)
        columns.reserve(k * p * group)
        products.reserve(outChannels * p * group)
        let w = UnsafePointer(weight.storage.pointer), dW = weight.gradientStorage.pointer
        let db = bias.gradientStorage.pointer, product = products.pointer, col = columns.pointer
        let features = outputFeatures, inFeatures = inputFeatures, transform = transform
        if mode == .overwrite {
            dW.update(repeating: 0, count: weight.count)
            db.update(repeating: 0, count: outChannels)
        }
        var first = 0
        while first < batchSize {
            let count = min(group, batchSize - first), leading = count * p, base = first
            FusedKernels.forEachChunk(count: count, costPerItem: features) { start, end, _ in
                for local in start..<end {
                    let dy = gradOutput + (base + local) * features
                    for channel in 0..<outChannels {
                        (product + channel * leading + local * p).update(from: dy + channel * p, count: p)
                    }
                }
            }
            if mode != .skip {
                for channel in 0..<outChannels {
                    db[channel] += FusedKernels.sum(product + channel * leading, count: leading)
                }
                gatherColumns(input, first: first, count: count)
                BLAS.gemm(transposeA: false, transposeB: true, m: outChannels, n: k, k: leading, alpha: 1, a: product,
                          lda: leading, b: col, ldb: leading, beta: 1, c: dW, ldc: k)
            }
            if let gradInput {
                BLAS.gemm(transposeA: true, transposeB: false, m: k, n: leading, k: outChannels, alpha: 1, a: w,
                          lda: k, b: product, ldb: leading, beta: 0, c: col, ldc: leading)
                FusedKernels.forEachChunk(count: count, costPerItem: k * p) { start, end, _ in
                    for local in start..<end {
                        let dx = gradInput + (base + local) * inFeatures
                        dx.update(repeating: 0, count: inFeatures)
                        transform.col2im(col + local * p, dx, leading: leading)
                    }
                }
            }
            first += count
        }
    }
}
