import Enpire

extension SoftActorCritic {
    /// Starts the actor near a zero action with a chosen exploration noise, for residual RL on top of a base
    /// policy: the output layer's weights are multiplied by `meanScale` (so the mean action starts near
    /// `tanh(0) = 0`, the base policy unchanged), the mean biases are set to 0 and the log-standard-deviation
    /// biases to `logStandardDeviation` (clamped into the configured range).
    ///
    /// Call it before the first update. Nothing happens when the actor's last layer is not the expected
    /// `[2·actionWidth, hidden]` linear layer.
    public func initialiseActorOutput(meanScale: Float, logStandardDeviation: Float) {
        let parameters = actor.parameters
        guard parameters.count >= 2 else { return }
        let weight = parameters[parameters.count - 2], bias = parameters[parameters.count - 1]
        let rows = 2 * actionWidth
        guard bias.count == rows, weight.count % rows == 0 else { return }
        let range = configuration.logStandardDeviationRange
        let logStd = min(max(logStandardDeviation, range.lowerBound), range.upperBound)
        for index in 0..<weight.count { weight.storage.pointer[index] *= meanScale }
        for row in 0..<rows { bias.storage.pointer[row] = row < actionWidth ? 0 : logStd }
    }
}
