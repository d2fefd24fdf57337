import Enpire
import Testing
@testable import EnpireLearning

/// Runs one layer forward on `input` (`batchSize` examples) and returns the output.
func runForward(_ layer: any Layer, _ input: [Float], batchSize: Int, training: Bool = false) -> [Float] {
    var output = [Float](repeating: 0, count: batchSize * layer.outputFeatures)
    input.withUnsafeBufferPointer { x in
        output.withUnsafeMutableBufferPointer { y in
            layer.forward(x.baseAddress!, y.baseAddress!, batchSize: batchSize, training: training)
        }
    }
    return output
}

/// Runs one layer backward (after the forward pass that gave `output` from `input`) and returns the input gradient.
func runBackward(_ layer: any Layer, input: [Float], output: [Float], gradOutput: [Float], batchSize: Int,
                 mode: ParameterGradientMode = .overwrite) -> [Float] {
    var gradInput = [Float](repeating: .nan, count: input.count)
    input.withUnsafeBufferPointer { xp in
        output.withUnsafeBufferPointer { yp in
            gradOutput.withUnsafeBufferPointer { gp in
                gradInput.withUnsafeMutableBufferPointer { dp in
                    layer.backward(input: xp.baseAddress!, output: yp.baseAddress!, gradOutput: gp.baseAddress!,
                                   gradInput: dp.baseAddress!, batchSize: batchSize, mode: mode)
                }
            }
        }
    }
    return gradInput
}

/// Direct (seven-loop) convolution of NCHW `x` with `[out, in, k, k]` weights: the reference for im2col.
func referenceConvolution(_ x: [Float], batch: Int, input: ImageShape, weight: [Float], bias: [Float],
                          outChannels: Int, kernel: Int, stride: Int, padding: Int) -> [Float] {
    let oh = (input.height + 2 * padding - kernel) / stride + 1, ow = (input.width + 2 * padding - kernel) / stride + 1
    var y = [Float](repeating: 0, count: batch * outChannels * oh * ow)
    for n in 0..<batch {
        for o in 0..<outChannels {
            for i in 0..<oh {
                for j in 0..<ow {
                    var total = bias[o]
                    for c in 0..<input.channels {
                        for a in 0..<kernel {
                            for b in 0..<kernel {
                                let r = i * stride - padding + a, s = j * stride - padding + b
                                guard r >= 0, r < input.height, s >= 0, s < input.width else { continue }
                                total += weight[((o * input.channels + c) * kernel + a) * kernel + b]
                                    * x[((n * input.channels + c) * input.height + r) * input.width + s]
                            }
                        }
                    }
                    y[((n * outChannels + o) * oh + i) * ow + j] = total
                }
            }
        }
    }
    return y
}

@Suite("Convolution layers (known values and finite differences)")
struct ConvolutionLayerTests {
    @Test("Conv2d: a 2×2 all-ones kernel over 1…9, without and with stride 2 and padding 1")
    func convolutionKnownValues() throws {
        var rng = SplitMix64(seed: 1)
        let shape = ImageShape(channels: 1, height: 3, width: 3)
        let plain = try Conv2d(inputShape: shape, outputChannels: 1, kernelSize: 2, rng: &rng)
        try plain.weight.assign(Tensor(repeating: 1, shape: [1, 1, 2, 2]))
        try plain.bias.assign(Tensor(repeating: 0.5, shape: [1]))
        let x: [Float] = [1, 2, 3, 4, 5, 6, 7, 8, 9]
        #expect(plain.outputShape == ImageShape(channels: 1, height: 2, width: 2))
        #expect(runForward(plain, x, batchSize: 1) == [12.5, 16.5, 24.5, 28.5])
        let strided = try Conv2d(inputShape: shape, outputChannels: 1, kernelSize: 2, stride: 2, padding: 1, rng: &rng)
        try strided.weight.assign(Tensor(repeating: 1, shape: [1, 1, 2, 2]))
        try strided.bias.assign(Tensor(repeating: 0.5, shape: [1]))
        #expect(runForward(strided, x, batchSize: 1) == [1.5, 5.5, 11.5, 28.5])
    }

    @Test("Conv2d with stride 2 over rows wide enough for the vectorised gather matches a direct convolution",
          arguments: [(17, 0), (18, 1), (19, 1), (40, 1), (41, 0)])
    func wideStridedConvolutionMatchesReference(width: Int, padding: Int) throws {
        var rng = SplitMix64(seed: 5)
        let shape = ImageShape(channels: 2, height: 5, width: width)
        let layer = try Conv2d(inputShape: shape, outputChannels: 3, kernelSize: 3, stride: 2, padding: padding,
                               rng: &rng)
        let x = GradientCheck.randomInput(count: 2 * shape.count, seed: 6)
        let expected = referenceConvolution(x, batch: 2, input: shape, weight: layer.weight.value.scalars,
                                            bias: layer.bias.value.scalars, outChannels: 3, kernel: 3,
                                            stride: 2, padding: padding)
        let actual = runForward(layer, x, batchSize: 2)
        #expect(actual.count == expected.count)
        #expect(zip(actual, expected).allSatisfy { abs($0 - $1) < 1e-4 })
    }

    @Test("the stride-2 gather copies exactly the even floats for every count from 0 to 40, writing nothing past them")
    func gatherEvenExact() {
        for count in 0...40 {
            // The source ends at the last float needed, 2 · (count − 1) (an over-read is for a sanitizer run to
            // catch: `swift test --sanitize=address --filter gatherEvenExact`).
            let source = (0..<max(1, 2 * count - 1)).map { Float($0) * 0.5 + 1 }
            var destination = [Float](repeating: -1, count: count + 1)
            source.withUnsafeBufferPointer { from in
                destination.withUnsafeMutableBufferPointer { to in
                    Im2Col.gatherEven(from.baseAddress!, into: to.baseAddress!, count: count)
                }
            }
            #expect(Array(destination[0..<count]) == (0..<count).map { source[2 * $0] }, "count \(count)")
            #expect(destination[count] == -1, "count \(count): wrote past the end")
        }
    }

    /// Every (column-matrix entry, input pixel) pair of a transform inside the image, in the order `c, kh, kw,
    /// oh, ow`: the plain way to write the column matrix and its adjoint, the reference for the transforms'
    /// copies.
    static func forEachEntry(_ t: Im2Col, _ body: (_ entry: Int, _ pixel: Int) -> Void) {
        for c in 0..<t.input.channels {
            for kh in 0..<t.kernel {
                for kw in 0..<t.kernel {
                    for oh in 0..<t.outHeight {
                        for ow in 0..<t.outWidth {
                            let ih = oh * t.stride - t.padding + kh, iw = ow * t.stride - t.padding + kw
                            guard ih >= 0, ih < t.input.height, iw >= 0, iw < t.input.width else { continue }
                            body(((c * t.kernel + kh) * t.kernel + kw) * t.columns + oh * t.outWidth + ow,
                                 (c * t.input.height + ih) * t.input.width + iw)
                        }
                    }
                }
            }
        }
    }

    static func referenceColumns(_ t: Im2Col, _ x: [Float]) -> [Float] {
        var col = [Float](repeating: 0, count: t.rows * t.columns)
        forEachEntry(t) { entry, pixel in col[entry] = x[pixel] }
        return col
    }

    static func referenceImage(_ t: Im2Col, _ col: [Float]) -> [Float] {
        var dx = [Float](repeating: 0, count: t.input.count)
        forEachEntry(t) { entry, pixel in dx[pixel] += col[entry] }
        return dx
    }

    @Test("im2col and col2im equal the entry-by-entry transforms exactly, reading only the image",
          arguments: [(3, 1, 1, 7, 6), (3, 1, 1, 1, 5), (3, 1, 1, 4, 1), (5, 1, 2, 6, 9), (1, 1, 0, 3, 4),
                      (3, 1, 0, 6, 7), (3, 2, 1, 7, 20), (2, 2, 0, 5, 5), (3, 1, 2, 5, 5), (3, 2, 1, 8, 20),
                      (3, 2, 1, 2, 18), (2, 2, 0, 4, 6), (1, 2, 0, 4, 4), (4, 2, 1, 8, 8), (5, 2, 2, 6, 10),
                      (3, 2, 0, 8, 8)])
    func columnTransformsMatchReference(kernel: Int, stride: Int, padding: Int, height: Int, width: Int) {
        let shape = ImageShape(channels: 2, height: height, width: width)
        let outHeight = (height + 2 * padding - kernel) / stride + 1, outWidth = (width + 2 * padding - kernel) / stride + 1
        let t = Im2Col(input: shape, kernel: kernel, stride: stride, padding: padding, outHeight: outHeight,
                       outWidth: outWidth)
        let x = GradientCheck.randomInput(count: shape.count, seed: 40)
        // NaN guards on both sides of the image: a read outside it would land in the columns.
        let guarded = [Float](repeating: .nan, count: 64) + x + [Float](repeating: .nan, count: 64)
        var columns = [Float](repeating: .nan, count: t.rows * t.columns)
        guarded.withUnsafeBufferPointer { source in
            columns.withUnsafeMutableBufferPointer { target in
                t.im2col(source.baseAddress! + 64, target.baseAddress!, leading: t.columns)
            }
        }
        let reference = Self.referenceColumns(t, x)
        // Entries that differ (a NaN read from a guard differs from everything).
        let wrongColumns = zip(columns, reference).filter { $0 != $1 }.count
        #expect(columns.count == reference.count && wrongColumns == 0,
                "\(kernel)/\(stride)/\(padding) \(height)×\(width): \(wrongColumns) column entries differ")
        var gradient = GradientCheck.randomInput(count: t.rows * t.columns, seed: 41)
        let expected = Self.referenceImage(t, gradient)
        var dx = [Float](repeating: 0, count: shape.count)
        gradient.withUnsafeMutableBufferPointer { source in
            dx.withUnsafeMutableBufferPointer { target in
                t.col2im(source.baseAddress!, target.baseAddress!, leading: t.columns)
            }
        }
        let wrongPixels = zip(dx, expected).filter { $0 != $1 }.count
        #expect(wrongPixels == 0, "\(kernel)/\(stride)/\(padding) \(height)×\(width): \(wrongPixels) pixels differ")
    }

    @Test("Conv2d matches a direct convolution", arguments: [(3, 1, 1), (3, 2, 1), (1, 1, 0), (2, 2, 0), (3, 3, 2)])
    func convolutionMatchesReference(kernel: Int, stride: Int, padding: Int) throws {
        var rng = SplitMix64(seed: 2)
        let shape = ImageShape(channels: 3, height: 7, width: 6)
        let layer = try Conv2d(inputShape: shape, outputChannels: 4, kernelSize: kernel, stride: stride,
                               padding: padding, rng: &rng)
        let x = GradientCheck.randomInput(count: 2 * shape.count, seed: 3)
        let expected = referenceConvolution(x, batch: 2, input: shape, weight: layer.weight.value.scalars,
                                            bias: layer.bias.value.scalars, outChannels: 4, kernel: kernel,
                                            stride: stride, padding: padding)
        let actual = runForward(layer, x, batchSize: 2)
        #expect(actual.count == expected.count)
        #expect(zip(actual, expected).allSatisfy { abs($0 - $1) < 1e-4 })
    }

    @Test("Conv2d: input, weight and bias gradients", arguments: [(3, 1, 1), (3, 2, 1), (1, 1, 0), (2, 2, 0)])
    func convolutionGradients(kernel: Int, stride: Int, padding: Int) throws {
        var rng = SplitMix64(seed: 4)
        let shape = ImageShape(channels: 2, height: 5, width: 6)
        let layer = try Conv2d(inputShape: shape, outputChannels: 3, kernelSize: kernel, stride: stride,
                               padding: padding, rng: &rng)
        let result = GradientCheck.check(layer, input: GradientCheck.randomInput(count: 2 * shape.count, seed: 5),
                                         batchSize: 2)
        #expect(result.input < 1e-3)
        #expect(result.parameters.count == 2)
        for error in result.parameters { #expect(error < 1e-3) }
    }

    @Test("Conv2d over a batch split across the pool's threads matches the examples one at a time")
    func convolutionPerThreadBatch() throws {
        // A batch of 9 takes the per-thread path on a pool of 2–4 threads; a batch of 1 the split-product path.
        var rng = SplitMix64(seed: 30)
        let shape = ImageShape(channels: 2, height: 5, width: 5), batch = 9
        let layer = try Conv2d(inputShape: shape, outputChannels: 3, kernelSize: 3, stride: 2, padding: 1, rng: &rng)
        let x = GradientCheck.randomInput(count: batch * shape.count, seed: 31)
        let dy = GradientCheck.randomInput(count: batch * layer.outputFeatures, seed: 32)
        func backward(_ range: Range<Int>, mode: ParameterGradientMode) -> [Float] {
            let input = Array(x[range.lowerBound * shape.count..<range.upperBound * shape.count])
            let gradOutput = Array(dy[range.lowerBound * layer.outputFeatures..<range.upperBound * layer.outputFeatures])
            return Self.forwardBackward(layer, input, gradOutput, batchSize: range.count, mode: mode).gradInput
        }
        let whole = runForward(layer, x, batchSize: batch)
        let wholeInput = backward(0..<batch, mode: .overwrite)
        let wholeWeight = layer.weight.gradient.scalars, wholeBias = layer.bias.gradient.scalars
        layer.weight.zeroGradient()
        layer.bias.zeroGradient()
        var oneByOne: [Float] = [], inputs: [Float] = []
        for example in 0..<batch {
            oneByOne += runForward(layer, Array(x[example * shape.count..<(example + 1) * shape.count]), batchSize: 1)
            inputs += backward(example..<example + 1, mode: .accumulate)
        }
        #expect(zip(whole, oneByOne).allSatisfy { abs($0 - $1) < 1e-5 })
        #expect(zip(wholeInput, inputs).allSatisfy { abs($0 - $1) < 1e-5 })
        #expect(zip(wholeWeight, layer.weight.gradient.scalars).allSatisfy { abs($0 - $1) < 1e-4 })
        #expect(zip(wholeBias, layer.bias.gradient.scalars).allSatisfy { abs($0 - $1) < 1e-4 })
        let checked = GradientCheck.check(layer, input: x, batchSize: batch)
        #expect(checked.input < 1e-3)
        for error in checked.parameters { #expect(error < 1e-3) }
    }

    /// Forward, then backward with `gradOutput` (mode `mode`): the output and the input gradient.
    static func forwardBackward(_ layer: Conv2d, _ x: [Float], _ gradOutput: [Float], batchSize: Int,
                                mode: ParameterGradientMode = .overwrite) -> (output: [Float], gradInput: [Float]) {
        let output = runForward(layer, x, batchSize: batchSize, training: true)
        return (output, runBackward(layer, input: x, output: output, gradOutput: gradOutput, batchSize: batchSize,
                                    mode: mode))
    }

    /// Both Winograd transforms on every shape, split batches and one example at a time (the layer picks F(4×4, 3×3)
    /// for split batches from 16 pixels up, F(2×2, 3×3) otherwise).
    @Test("Conv2d's Winograd paths (F(2×2, 3×3), F(4×4, 3×3)) equal im2col: output and gradients, odd sizes, batch 1, 9",
          arguments: [2, 4], [(1, 1, 1), (2, 3, 1), (5, 6, 1), (7, 4, 9), (9, 9, 9), (12, 10, 2), (16, 16, 1),
                              (5, 33, 9), (13, 70, 2)])
    func winogradMatchesIm2col(tile: Int, size: (height: Int, width: Int, batch: Int)) throws {
        let (height, width, batch) = size
        let shape = ImageShape(channels: 3, height: height, width: width)
        var rngA = SplitMix64(seed: 40), rngB = SplitMix64(seed: 40)
        let winograd = try Conv2d(inputShape: shape, outputChannels: 5, kernelSize: 3, stride: 1, padding: 1, rng: &rngA)
        let im2col = try Conv2d(inputShape: shape, outputChannels: 5, kernelSize: 3, stride: 1, padding: 1, rng: &rngB)
        #expect(winograd.winograd?.positions == (min(height, width) >= 16 ? 36 : 16))
        #expect(winograd.winogradSingle?.positions == 16)
        winograd.winograd = tile == 2 ? WinogradF2(input: shape, outChannels: 5) : WinogradF4(input: shape, outChannels: 5)
        winograd.winogradSingle = winograd.winograd
        (im2col.winograd, im2col.winogradSingle) = (nil, nil)
        let x = GradientCheck.randomInput(count: batch * shape.count, seed: 41)
        let dy = GradientCheck.randomInput(count: batch * winograd.outputFeatures, seed: 42)
        func close(_ a: [Float], _ b: [Float], _ what: String) {
            // Relative to the largest value: a weight gradient sums over every pixel, so its rounding grows with it.
            let worst = zip(a, b).map { abs($0 - $1) }.max() ?? 0, scale = max(1, b.map(abs).max() ?? 0)
            #expect(a.count == b.count && worst < 1e-5 * scale,
                    "F(\(tile)) \(what) \(height)×\(width) batch \(batch): off by \(worst), largest \(scale)")
        }
        for mode in [ParameterGradientMode.overwrite, .accumulate] {
            let fast = Self.forwardBackward(winograd, x, dy, batchSize: batch, mode: mode)
            let slow = Self.forwardBackward(im2col, x, dy, batchSize: batch, mode: mode)
            close(fast.output, slow.output, "output")
            close(fast.gradInput, slow.gradInput, "input gradient")
            close(winograd.weight.gradient.scalars, im2col.weight.gradient.scalars, "weight gradient (\(mode))")
            close(winograd.bias.gradient.scalars, im2col.bias.gradient.scalars, "bias gradient (\(mode))")
        }
        #expect(winograd.weight.gradient.scalars.contains { $0 != 0 })
    }

    /// The Winograd path accumulates its products onto buffers it keeps at zero between calls; the per-thread
    /// regions move when the batch changes between split and unsplit, and an inference forward pass runs
    /// without a backward one. Every call must still give the im2col path's results.
    @Test("Conv2d's Winograd paths give the same results whatever ran before them (batch sizes, forward-only calls)",
          arguments: [7, 17])
    func winogradIndependentOfHistory(height: Int) throws {
        let shape = ImageShape(channels: 4, height: height, width: height + 3)
        var rngA = SplitMix64(seed: 50), rngB = SplitMix64(seed: 50)
        let winograd = try Conv2d(inputShape: shape, outputChannels: 4, kernelSize: 3, stride: 1, padding: 1, rng: &rngA)
        let im2col = try Conv2d(inputShape: shape, outputChannels: 4, kernelSize: 3, stride: 1, padding: 1, rng: &rngB)
        #expect(winograd.winograd?.positions == (height >= 16 ? 36 : 16))
        (im2col.winograd, im2col.winogradSingle) = (nil, nil)
        for (round, batch) in [9, 1, 9, 2, 1, 9].enumerated() {
            let x = GradientCheck.randomInput(count: batch * shape.count, seed: UInt64(60 + round))
            let dy = GradientCheck.randomInput(count: batch * winograd.outputFeatures, seed: UInt64(70 + round))
            let inference = runForward(winograd, x, batchSize: batch, training: false)
            let fast = Self.forwardBackward(winograd, x, dy, batchSize: batch)
            let slow = Self.forwardBackward(im2col, x, dy, batchSize: batch)
            for (what, a, b) in [("inference output", inference, slow.output), ("output", fast.output, slow.output),
                                 ("input gradient", fast.gradInput, slow.gradInput),
                                 ("weight gradient", winograd.weight.gradient.scalars,
                                  im2col.weight.gradient.scalars)] {
                let worst = zip(a, b).map { abs($0 - $1) }.max() ?? 0, scale = max(1, b.map(abs).max() ?? 0)
                #expect(a.count == b.count && worst < 1e-5 * scale,
                        "round \(round), batch \(batch), \(what): off by \(worst), largest \(scale)")
            }
        }
    }

    /// A training forward pass keeps every example's `V` for the backward pass; a later forward pass (here an
    /// inference one on other images of the same batch size) must not leave the backward pass reading the first
    /// images' `V`.
    @Test("Conv2d's Winograd backward reads the input of the latest forward pass, not a kept earlier one")
    func winogradKeptTransformsFollowTheLatestForward() throws {
        let shape = ImageShape(channels: 3, height: 17, width: 16), batch = 8
        var rngA = SplitMix64(seed: 80), rngB = SplitMix64(seed: 80)
        let winograd = try Conv2d(inputShape: shape, outputChannels: 4, kernelSize: 3, stride: 1, padding: 1, rng: &rngA)
        let im2col = try Conv2d(inputShape: shape, outputChannels: 4, kernelSize: 3, stride: 1, padding: 1, rng: &rngB)
        (im2col.winograd, im2col.winogradSingle) = (nil, nil)
        let first = GradientCheck.randomInput(count: batch * shape.count, seed: 81)
        let second = GradientCheck.randomInput(count: batch * shape.count, seed: 82)
        let dy = GradientCheck.randomInput(count: batch * winograd.outputFeatures, seed: 83)
        _ = runForward(winograd, first, batchSize: batch, training: true)
        let output = runForward(winograd, second, batchSize: batch, training: false)
        let gradInput = runBackward(winograd, input: second, output: output, gradOutput: dy, batchSize: batch)
        let reference = Self.forwardBackward(im2col, second, dy, batchSize: batch)
        for (what, a, b) in [("input gradient", gradInput, reference.gradInput),
                             ("weight gradient", winograd.weight.gradient.scalars, im2col.weight.gradient.scalars)] {
            let worst = zip(a, b).map { abs($0 - $1) }.max() ?? 0, scale = max(1, b.map(abs).max() ?? 0)
            #expect(worst < 1e-5 * scale, "\(what): off by \(worst), largest \(scale)")
        }
    }

    @Test("Conv2d rejects a kernel larger than the padded input")
    func convolutionRejectsBadShapes() {
        var rng = SplitMix64(seed: 6)
        #expect(throws: TensorError.self) {
            try Conv2d(inputShape: ImageShape(channels: 1, height: 2, width: 2), outputChannels: 1, kernelSize: 5,
                       rng: &rng)
        }
    }
}
