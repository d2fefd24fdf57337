public import Enpire

/// Random-shift augmentation (DrQ, Kostrikov et al., 2020): in training each example is padded by `pad`
/// pixels replicating its border and cropped back to its size at a random offset, i.e. shifted by up to
/// `pad` pixels in x and y; identity in evaluation.
///
/// Shifts are drawn from the layer's seeded ``rng``, one `(dx, dy)` per example and shared by its channels.
/// The backward pass adds each output gradient to the input pixel it was copied from.
public final class RandomShift: Layer {
    /// `"randomshift"`.
    public let kind = "randomshift"
    /// Shape of one example (unchanged).
    public let shape: ImageShape
    /// Largest shift in pixels.
    public let pad: Int
    /// Generator for shifts; seeded so runs are reproducible.
    public var rng: SplitMix64
    /// `(dx, dy)` per example of the last training forward pass.
    private var shifts: [(Int, Int)] = []
    private var shifted = false

    /// Creates the augmentation, failing when `pad` is negative.
    public init(shape: ImageShape, pad: Int = 4, rng: inout SplitMix64) throws(TensorError) {
        try shape.validate("RandomShift")
        guard pad >= 0 else { throw .shapeMismatch("RandomShift pad must be ≥ 0, got \(pad)") }
        self.shape = shape
        self.pad = pad
        self.rng = rng.split()
    }

    /// Values per example.
    public var inputFeatures: Int { shape.count }
    /// Same as ``inputFeatures``.
    public var outputFeatures: Int { shape.count }

    /// Shifts of the last training forward pass, `(dx, dy)` per example (empty after an evaluation pass).
    public var lastShifts: [(dx: Int, dy: Int)] { shifted ? shifts.map { (dx: $0.0, dy: $0.1) } : [] }

    /// Source row (or column) of output index `index` shifted by `offset`, replicating the border.
    @inline(__always)
    private static func source(_ index: Int, _ offset: Int, _ limit: Int) -> Int {
        min(max(index + offset, 0), limit - 1)
    }

    /// Copies each example shifted by a fresh random offset (training) or unchanged (evaluation).
    public func forward(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, batchSize: Int,
                        training: Bool) {
        shifted = training && pad > 0
        guard shifted else {
            output.update(from: input, count: batchSize * inputFeatures)
            return
        }
        shifts.removeAll(keepingCapacity: true)
        let span = UInt64(2 * pad + 1)
        for _ in 0..<batchSize {
            shifts.append((Int(rng.next() % span) - pad, Int(rng.next() % span) - pad))
        }
        let h = shape.height, w = shape.width
        for example in 0..<batchSize {
            let (dx, dy) = shifts[example]
            for channel in 0..<shape.channels {
                let offset = example * inputFeatures + channel * shape.pixels
                let x = input + offset, y = output + offset
                for row in 0..<h {
                    let source = x + Self.source(row, dy, h) * w, target = y + row * w
                    // Columns whose source lies inside the row form one contiguous copy.
                    let first = min(max(-dx, 0), w), end = max(min(w - dx, w), first)
                    for column in 0..<first { target[column] = source[0] }
                    if end > first { (target + first).update(from: source + first + dx, count: end - first) }
                    for column in end..<w { target[column] = source[w - 1] }
                }
            }
        }
    }

    /// Adds each output gradient to the input pixel it came from (identity in evaluation).
    public func backward(input: UnsafePointer<Float>, output: UnsafePointer<Float>,
                         gradOutput: UnsafePointer<Float>, gradInput: UnsafeMutablePointer<Float>?,
                         batchSize: Int, mode: ParameterGradientMode) {
        guard let gradInput else { return }
        guard shifted else {
            gradInput.update(from: gradOutput, count: batchSize * inputFeatures)
            return
        }
        gradInput.update(repeating: 0, count: batchSize * inputFeatures)
        let h = shape.height, w = shape.width
        for example in 0..<batchSize {
            let (dx, dy) = shifts[example]
            for channel in 0..<shape.channels {
                let offset = example * inputFeatures + channel * shape.pixels
                for row in 0..<h {
                    let source = gradInput + offset + Self.source(row, dy, h) * w
                    let target = gradOutput + offset + row * w
                    for column in 0..<w { source[Self.source(column, dx, w)] += target[column] }
                }
            }
        }
    }
}
