import Enpire

/// A frozen copy of a SAC actor's weights that an acting loop can run while the learner keeps updating.
public struct SACPolicySnapshot: Sendable {
    /// Network recipe (output is `[mean, logStd]` per action dimension).
    public var specification: MLPSpecification
    /// Weights by parameter name.
    public var weights: [String: Tensor]
    /// Clamp range of the log standard deviation.
    public var logStandardDeviationRange: ClosedRange<Float>
    /// Learner update count when the snapshot was taken (monotone).
    public var version: Int

    /// Creates a snapshot.
    public init(specification: MLPSpecification, weights: [String: Tensor],
                logStandardDeviationRange: ClosedRange<Float>, version: Int) {
        self.specification = specification
        self.weights = weights
        self.logStandardDeviationRange = logStandardDeviationRange
        self.version = version
    }

    /// Actions per step.
    public var actionWidth: Int { specification.outputFeatures / 2 }
}
