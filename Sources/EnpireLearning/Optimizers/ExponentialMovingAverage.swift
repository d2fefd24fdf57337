/// An exponential moving average of a network's parameters (EMA weights), the smoothed copy that imitation
/// learners such as Diffusion Policy evaluate instead of the raw, noisier weights.
///
/// Call ``update()`` after each optimiser step; ``stateDictionary()`` gives the averaged weights under the
/// parameters' names, ready for `Sequential.load(stateDictionary:)` or a checkpoint.
public final class ExponentialMovingAverage {
    /// The tracked parameters.
    public let parameters: [Parameter]
    /// Weight of the old average per update, in [0, 1).
    public let decay: Float
    private var averages: [[Float]]
    /// Updates applied so far.
    public private(set) var updateCount = 0

    /// Starts the average at the parameters' current values.
    public init(parameters: [Parameter], decay: Float = 0.999) {
        self.parameters = parameters
        self.decay = min(max(decay, 0), 0.999_999)
        averages = parameters.map { $0.storage.array(count: $0.count) }
    }

    /// Folds the current parameter values into the average. Early updates use a smaller decay
    /// (`min(decay, (1 + n) / (10 + n))`), so the average is not dominated by the initial weights.
    public func update() {
        updateCount += 1
        let n = Float(updateCount)
        let d = min(decay, (1 + n) / (10 + n))
        for (index, parameter) in parameters.enumerated() {
            let w = parameter.storage.pointer
            averages[index].withUnsafeMutableBufferPointer { a in
                for j in 0..<parameter.count { a[j] = d * a[j] + (1 - d) * w[j] }
            }
        }
    }

    /// The averaged weights by parameter name.
    public func stateDictionary() -> [String: Tensor] {
        var result: [String: Tensor] = [:]
        for (index, parameter) in parameters.enumerated() {
            result[parameter.name] = (try? Tensor(shape: parameter.shape, scalars: averages[index]))
                ?? Tensor.zeros(parameter.shape)
        }
        return result
    }
}
