public import Enpire
import Foundation

/// Two-dimensional convolution over NCHW examples (square kernel, stride, zero padding), as `im2col` plus
/// `sgemm`, with weights `[out, in, k, k]` as in PyTorch's `nn.Conv2d`.
///
/// Forward: each example's receptive fields are laid out as columns `[in·k·k, outH·outW]` and `Y = W · columns
/// + b` is one product written straight into the example's NCHW output. Backward recomputes the columns rather
/// than keeping them for the whole batch (they are `k²` times the input), then `dW += dY · columnsᵀ`, `db = Σ dY`
/// and `dX = col2im(Wᵀ · dY)`. A batch is split into contiguous ranges of examples, one per thread of the compute
/// pool, each with its own column buffers (they stay in cache) and its own gradient partials; a batch smaller than
/// twice the pool splits each product instead. The buffers are kept and reused; passing the per-thread work to
/// the pool costs one small allocation per call.
///
/// A 3×3, stride-1, padding-1 convolution takes Winograd's minimal filtering instead of `im2col`. Its training
/// forward pass on a batch split across the pool keeps every example's transformed input for the backward pass
/// (2.25 times the input under F(4×4, 3×3), 4 under F(2×2, 3×3); at most 256 MiB per layer, past which backward
/// transforms the input again), and any later forward pass drops it: backward must follow the forward pass of
/// the same batch, as for every layer.
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
    /// The Winograd transform of a 3×3, stride-1, padding-1 convolution for a batch split across the pool
    /// (`nil`: im2col; tests clear or replace it to compare the paths).
    var winograd: (any WinogradTransform)?
    /// The same for examples taken one at a time with each example's work split across the pool (batch 1).
    var winogradSingle: (any WinogradTransform)?
    /// The transformed weights `U` (Winograd path).
    private let transformedWeights = FloatBuffer()
    /// Per pool thread: the Winograd transforms' padded-plane scratch.
    private let scratch = FloatBuffer()
    /// One column matrix `[in·k·k, P]` per pool thread (Winograd path: the transformed input `V`).
    private let columns = FloatBuffer()
    /// One column-gradient matrix `[in·k·k, P]` per pool thread, backward (Winograd path: `dM`).
    private let products = FloatBuffer()
    /// Per pool thread: weight-gradient and bias-gradient partial sums (backward).
    private let partials = FloatBuffer()
    /// Per pool thread (Winograd path): the products that a tile transform reads once, `M` forward and `dV`
    /// backward. They are all zeros between calls (the transform that reads a channel's planes zeroes them while
    /// they are still in cache), so the products accumulate onto them with sgemm's `β = 1` and skip OpenBLAS's
    /// separate pass that clears `C` for `β = 0`.
    private let zeroed = FloatBuffer()
    /// The transformed inputs `V` of every example of the last training forward pass on the batched Winograd
    /// path, which backward reads instead of transforming the input again (`nil` batch: none kept).
    private let savedTransforms = FloatBuffer()
    /// The batch size whose `V` (and `U`) the last forward pass kept for backward.
    private var savedBatch: Int?

    /// Most floats of `V` a layer keeps from a training forward pass for its backward pass (256 MiB); a larger
    /// batch has backward transform its input again instead.
    static let maximumSavedTransforms = 1 << 26

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
        winograd = Winograd.transform(input: inputShape, outChannels: outputChannels, kernel: kernelSize,
                                      stride: stride, padding: padding, batched: true)
        winogradSingle = Winograd.transform(input: inputShape, outChannels: outputChannels, kernel: kernelSize,
                                            stride: stride, padding: padding, batched: false)
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

    /// Examples handled per thread: the batch is split into contiguous ranges, one per pool thread, and each
    /// example's columns stay in that thread's own buffer (cache-resident, no layout copies). A batch smaller than
    /// twice the pool runs its examples one by one on the caller with each product split across the pool instead.
    private func threads(_ batchSize: Int) -> Int {
        let pool = ComputePool.size
        return batchSize >= 2 * pool ? pool : 1
    }

    /// Makes room for `threads` per-thread column buffers `[in·k·k, P]` (and as many for the column gradients
    /// when `gradients`, plus per-thread weight- and bias-gradient partials).
    private func reserve(threads: Int, gradients: Bool) {
        if let winograd = winograd(threads: threads) {
            columns.reserve(threads * winograd.inputTransformCount)
            zeroed.reserve(threads * winograd.accumulatorCount)
            scratch.reserve(max(threads, innerThreads(threads)) * winograd.scratchCount)
            transformedWeights.reserve(winograd.weightTransformCount)
            if gradients {
                products.reserve(threads * winograd.productCount)   // dM
                partials.reserve(threads * (winograd.weightTransformCount + bias.count))
            }
            return
        }
        let k = transform.rows, p = transform.columns
        columns.reserve(threads * k * p)
        if gradients {
            products.reserve(threads * k * p)
            partials.reserve(threads * (weight.count + bias.count))
        }
    }

    /// `Y = W · im2col(X) + b`, one example at a time: its columns `[in·k·k, P]`, and one product `[out, in·k·k] ·
    /// [in·k·k, P]` added onto the example's NCHW output, filled with the bias per channel first.
    public func forward(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, batchSize: Int,
                        training: Bool) {
        let k = transform.rows, p = transform.columns, outChannels = outputShape.channels
        let threads = threads(batchSize)
        reserve(threads: threads, gradients: false)
        savedBatch = nil
        if let winograd = winograd(threads: threads) {
            return winogradForward(winograd, input, output, batchSize: batchSize, threads: threads,
                                   keep: training && threads > 1
                                       && batchSize * winograd.inputTransformCount <= Self.maximumSavedTransforms)
        }
        let w = UnsafePointer(weight.storage.pointer), b = UnsafePointer(bias.storage.pointer)
        let inFeatures = inputFeatures, features = outputFeatures, transform = transform, col = columns.pointer
        let serial = threads == 1
        ComputePool.run(chunks: threads) { thread in
            let (first, end) = ComputePool.bounds(batchSize, chunk: thread, of: threads)
            let columns = col + thread * k * p
            for example in first..<end {
                transform.im2col(input + example * inFeatures, columns, leading: p)
                let y = output + example * features
                // The bias first, then the product added onto it (β = 1): one pass over the output fewer than
                // OpenBLAS clearing it for β = 0 and the bias added after. The same floats while the product's
                // depth `in·k·k` fits one OpenBLAS block (384 on this family), since `b + Σ` is `Σ + b`.
                for channel in 0..<outChannels { (y + channel * p).update(repeating: b[channel], count: p) }
                BLAS.gemm(transposeA: false, transposeB: false, m: outChannels, n: p, k: k, alpha: 1, a: w, lda: k,
                          b: columns, ldb: p, beta: 1, c: y, ldc: p, parallel: serial)
            }
        }
    }

    /// The evaluation forward pass of one example through several convolutions of this one's geometry (an
    /// ensemble's first layers, all reading the same input): its columns are laid out once, in this layer's buffer,
    /// then each layer's product runs exactly as in its own ``forward(_:_:batchSize:training:)`` of one example,
    /// into `outputs` one after the other (``outputFeatures`` floats each). The floats equal each layer's own
    /// forward pass. Only for the im2col path (``sharesColumns(with:)``).
    func forwardSharingColumns(_ layers: [Conv2d], example: UnsafePointer<Float>, into outputs: UnsafeMutablePointer<Float>) {
        let k = transform.rows, p = transform.columns, outChannels = outputShape.channels, features = outputFeatures
        reserve(threads: 1, gradients: false)
        transform.im2col(example, columns.pointer, leading: p)
        for (index, layer) in layers.enumerated() {
            let w = UnsafePointer(layer.weight.storage.pointer), b = layer.bias.storage.pointer
            let y = outputs + index * features
            for channel in 0..<outChannels { (y + channel * p).update(repeating: b[channel], count: p) }
            BLAS.gemm(transposeA: false, transposeB: false, m: outChannels, n: p, k: k, alpha: 1, a: w, lda: k,
                      b: columns.pointer, ldb: p, beta: 1, c: y, ldc: p, parallel: true)
        }
    }

    /// Whether `other` lays out the same columns as this layer and takes the im2col path for one example, so
    /// ``forwardSharingColumns(_:example:into:)`` can serve both.
    func sharesColumns(with other: Conv2d) -> Bool {
        winogradSingle == nil && other.winogradSingle == nil && inputShape == other.inputShape
            && outputShape == other.outputShape && kernelSize == other.kernelSize && stride == other.stride
            && padding == other.padding
    }

    /// One example at a time: `db += Σ dY`, `dW += dY · columnsᵀ` on the recomputed columns (per-thread partials,
    /// summed in thread order at the end, so the result does not depend on scheduling), and `dX = col2im(Wᵀ · dY)`.
    /// `dY` is read in place: an example's NCHW gradient already is the `[out, P]` matrix the products need.
    public func backward(input: UnsafePointer<Float>, output: UnsafePointer<Float>,
                         gradOutput: UnsafePointer<Float>, gradInput: UnsafeMutablePointer<Float>?,
                         batchSize: Int, mode: ParameterGradientMode) {
        let k = transform.rows, p = transform.columns, outChannels = outputShape.channels
        let threads = threads(batchSize)
        reserve(threads: threads, gradients: true)
        if let winograd = winograd(threads: threads) {
            return winogradBackward(winograd, input: input, gradOutput: gradOutput, gradInput: gradInput,
                                    batchSize: batchSize, threads: threads, mode: mode)
        }
        let w = UnsafePointer(weight.storage.pointer), weightCount = weight.count
        let partialStride = weightCount + outChannels, partial = partials.pointer
        let features = outputFeatures, inFeatures = inputFeatures, transform = transform
        let col = columns.pointer, dcol = products.pointer, serial = threads == 1
        let wantParameters = mode != .skip
        if wantParameters { partial.update(repeating: 0, count: threads * partialStride) }
        ComputePool.run(chunks: threads) { thread in
            let (first, end) = ComputePool.bounds(batchSize, chunk: thread, of: threads)
            let columns = col + thread * k * p, columnGradient = dcol + thread * k * p
            let dW = partial + thread * partialStride, db = dW + weightCount
            for example in first..<end {
                let dy = gradOutput + example * features
                if wantParameters {
                    for channel in 0..<outChannels { db[channel] += FusedKernels.sum(dy + channel * p, count: p) }
                    transform.im2col(input + example * inFeatures, columns, leading: p)
                    BLAS.gemm(transposeA: false, transposeB: true, m: outChannels, n: k, k: p, alpha: 1, a: dy,
                              lda: p, b: columns, ldb: p, beta: 1, c: dW, ldc: k, parallel: serial)
                }
                if let gradInput {
                    BLAS.gemm(transposeA: true, transposeB: false, m: k, n: p, k: outChannels, alpha: 1, a: w,
                              lda: k, b: dy, ldb: p, beta: 0, c: columnGradient, ldc: p, parallel: serial)
                    let dx = gradInput + example * inFeatures
                    dx.update(repeating: 0, count: inFeatures)
                    transform.col2im(columnGradient, dx, leading: p)
                }
            }
        }
        guard wantParameters else { return }
        let dW = weight.gradientStorage.pointer, db = bias.gradientStorage.pointer
        if mode == .overwrite {
            dW.update(repeating: 0, count: weightCount)
            db.update(repeating: 0, count: outChannels)
        }
        for thread in 0..<threads {
            let source = partial + thread * partialStride
            for index in 0..<weightCount { dW[index] += source[index] }
            for channel in 0..<outChannels { db[channel] += source[weightCount + channel] }
        }
    }

    /// The Winograd transform for this many batch threads (``winogradSingle`` for one).
    private func winograd(threads: Int) -> (any WinogradTransform)? { threads == 1 ? winogradSingle : winograd }

    /// Threads that share one example's Winograd work: the whole pool when the batch is not split across it
    /// (batch 1 at inference), else 1.
    private func innerThreads(_ threads: Int) -> Int { threads == 1 ? ComputePool.size : 1 }

    /// ``ComputePool/forEachRange(_:chunks:_:)`` with each chunk's bounds as a range.
    private static func split(_ count: Int, chunks: Int, _ body: (Range<Int>, Int) -> Void) {
        ComputePool.forEachRange(count, chunks: chunks) { start, end, chunk in body(start..<end, chunk) }
    }

    /// `V` of one example `x`, its channels split across `inner` threads, chunk k using the scratch of thread
    /// `thread + k` (one of the two is 0).
    private static func transformInput<W: WinogradTransform>(_ winograd: W, _ x: UnsafePointer<Float>,
                                       into v: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>,
                                       thread: Int, inner: Int) {
        split(winograd.input.channels, chunks: inner) { channels, chunk in
            winograd.transformInput(x, into: v, scratch: scratch + (thread + chunk) * winograd.scratchCount,
                                    channels: channels)
        }
    }

    /// ``forward(_:_:batchSize:training:)`` on the Winograd path: `U` once, then per example `V`, one product
    /// `M[ξ] = U[ξ] · V[ξ]` per tile position and `Y = Aᵀ M A + b`. When the batch is not split across the pool,
    /// each example's transforms are split by channel and its products by ξ instead. With `keep` every example's
    /// `V` goes to ``savedTransforms`` for the backward pass (written there in place of the thread's buffer).
    private func winogradForward<W: WinogradTransform>(_ winograd: W, _ input: UnsafePointer<Float>,
                                 _ output: UnsafeMutablePointer<Float>, batchSize: Int, threads: Int, keep: Bool) {
        let u = transformedWeights.pointer
        winograd.transformWeights(weight.storage.pointer, into: u)
        let b = UnsafePointer(bias.storage.pointer), inFeatures = inputFeatures, features = outputFeatures
        let inChannels = inputShape.channels, outChannels = outputShape.channels, tiles = winograd.tiles
        let positions = winograd.positions
        let vBase = columns.pointer, mBase = zeroed.pointer, scratchBase = scratch.pointer
        let inner = innerThreads(threads), scratchCount = winograd.scratchCount, count = winograd.inputTransformCount
        if keep { savedTransforms.reserve(batchSize * count) }
        let kept: UnsafeMutablePointer<Float>? = keep ? savedTransforms.pointer : nil
        ComputePool.run(chunks: threads) { thread in
            let (first, end) = ComputePool.bounds(batchSize, chunk: thread, of: threads)
            let m = mBase + thread * winograd.accumulatorCount
            for example in first..<end {
                let v = kept.map { $0 + example * count } ?? vBase + thread * count
                Self.transformInput(winograd, input + example * inFeatures, into: v, scratch: scratchBase,
                                    thread: thread, inner: inner)
                Self.split(positions, chunks: inner) { span, _ in
                    for xi in span {
                        BLAS.gemm(transposeA: false, transposeB: false, m: outChannels, n: tiles, k: inChannels,
                                  alpha: 1, a: u + xi * outChannels * inChannels, lda: inChannels, b: v + xi * tiles,
                                  ldb: positions * tiles, beta: 1, c: m + xi * tiles, ldc: positions * tiles,
                                  parallel: false)
                    }
                }
                Self.split(outChannels, chunks: inner) { channels, chunk in
                    winograd.transformOutput(zeroing: m, into: output + example * features, bias: b,
                                             scratch: scratchBase + (thread + chunk) * scratchCount, channels: channels)
                }
            }
        }
        if keep { savedBatch = batchSize }
    }

    /// ``backward(input:output:gradOutput:gradInput:batchSize:mode:)`` on the Winograd path, per example:
    /// `dM = A dY Aᵀ`; `db += Σ dY` and `dU[ξ] += dM[ξ] · V[ξ]ᵀ` on the kept or recomputed `V` (per-thread partials summed
    /// in thread order, then `dW += Gᵀ dU G`); `dV[ξ] = U[ξ]ᵀ · dM[ξ]` and `dX = B dV Bᵀ`. Split like the forward
    /// pass (each ξ's `dU[ξ]` is written by one thread, so one partial suffices then).
    private func winogradBackward<W: WinogradTransform>(_ winograd: W, input: UnsafePointer<Float>,
                                  gradOutput: UnsafePointer<Float>, gradInput: UnsafeMutablePointer<Float>?,
                                  batchSize: Int, threads: Int, mode: ParameterGradientMode) {
        // `U` is needed only for the input gradient; a forward pass that kept `V` left it in place too.
        let u = transformedWeights.pointer, kept = savedBatch == batchSize ? savedTransforms.pointer : nil
        if gradInput != nil && kept == nil { winograd.transformWeights(weight.storage.pointer, into: u) }
        let inFeatures = inputFeatures, features = outputFeatures, tiles = winograd.tiles
        let inChannels = inputShape.channels, outChannels = outputShape.channels, pixels = outputShape.pixels
        let positions = winograd.positions
        let transformCount = winograd.weightTransformCount, partialStride = transformCount + outChannels
        let vBase = columns.pointer, mBase = products.pointer, dvBase = zeroed.pointer, scratchBase = scratch.pointer
        let inner = innerThreads(threads), scratchCount = winograd.scratchCount
        let partial = partials.pointer, wantParameters = mode != .skip
        if wantParameters { partial.update(repeating: 0, count: threads * partialStride) }
        ComputePool.run(chunks: threads) { thread in
            let (first, end) = ComputePool.bounds(batchSize, chunk: thread, of: threads)
            let count = winograd.inputTransformCount, dm = mBase + thread * winograd.productCount
            let dv = dvBase + thread * winograd.accumulatorCount
            let du = partial + thread * partialStride, db = du + transformCount
            for example in first..<end {
                let dy = gradOutput + example * features
                Self.split(outChannels, chunks: inner) { channels, chunk in
                    winograd.transformOutputGradient(dy, into: dm, scratch: scratchBase + (thread + chunk) * scratchCount,
                                                     channels: channels)
                }
                if wantParameters {
                    for channel in 0..<outChannels {
                        db[channel] += FusedKernels.sum(dy + channel * pixels, count: pixels)
                    }
                    let v: UnsafeMutablePointer<Float>
                    if let kept {
                        v = kept + example * count
                    } else {
                        v = vBase + thread * count
                        Self.transformInput(winograd, input + example * inFeatures, into: v, scratch: scratchBase,
                                            thread: thread, inner: inner)
                    }
                    Self.split(positions, chunks: inner) { span, _ in
                        for xi in span {
                            BLAS.gemm(transposeA: false, transposeB: true, m: outChannels, n: inChannels, k: tiles,
                                      alpha: 1, a: dm + xi * tiles, lda: positions * tiles, b: v + xi * tiles,
                                      ldb: positions * tiles, beta: 1, c: du + xi * outChannels * inChannels,
                                      ldc: inChannels, parallel: false)
                        }
                    }
                }
                if let gradInput {
                    Self.split(positions, chunks: inner) { span, _ in
                        for xi in span {
                            BLAS.gemm(transposeA: true, transposeB: false, m: inChannels, n: tiles, k: outChannels,
                                      alpha: 1, a: u + xi * outChannels * inChannels, lda: inChannels,
                                      b: dm + xi * tiles, ldb: positions * tiles, beta: 1, c: dv + xi * tiles,
                                      ldc: positions * tiles, parallel: false)
                        }
                    }
                    Self.split(inChannels, chunks: inner) { channels, chunk in
                        winograd.transformInputGradient(zeroing: dv, into: gradInput + example * inFeatures,
                                                        scratch: scratchBase + (thread + chunk) * scratchCount,
                                                        channels: channels)
                    }
                }
            }
        }
        guard wantParameters else { return }
        let dW = weight.gradientStorage.pointer, db = bias.gradientStorage.pointer
        if mode == .overwrite {
            dW.update(repeating: 0, count: weight.count)
            db.update(repeating: 0, count: outChannels)
        }
        for thread in 1..<max(threads, 1) {
            let source = partial + thread * partialStride
            for index in 0..<partialStride { partial[index] += source[index] }
        }
        winograd.addWeightGradient(partial, onto: dW)
        for channel in 0..<outChannels { db[channel] += partial[transformCount + channel] }
    }
}
