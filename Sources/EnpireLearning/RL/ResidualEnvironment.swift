/// Residual RL: wraps an environment so that the learner's action is a bounded correction to a base policy.
///
/// The applied action is `clamp(base(s) + fraction·r, −1, 1)` with the learner's `r ∈ [−1, 1]` (a tanh-squashed
/// SAC action), so `|applied − base(s)| ≤ fraction` always holds: the residual can never move the robot more than
/// a fraction of the action range away from the base controller (BC policy or heuristic).
public struct ResidualEnvironment<Base: ContinuousEnvironment>: ContinuousEnvironment {
    /// The wrapped task.
    public var base: Base
    /// The base controller on the current observation, actions in `[-1, 1]`.
    public let basePolicy: @Sendable ([Float]) -> [Float]
    /// Bound on the residual as a fraction of the action half-range (0...1).
    public let fraction: Float
    private var lastObservation: [Float] = []
    /// The action actually applied on the last step.
    public private(set) var lastAppliedAction: [Float] = []

    /// Wraps `base`, failing when `fraction` is outside `0...1`.
    public init(base: Base, fraction: Float, basePolicy: @escaping @Sendable ([Float]) -> [Float]) throws(RLError) {
        guard (0...1).contains(fraction) else {
            throw .invalidConfiguration("residual fraction \(fraction) must be in 0...1 (of the action range)")
        }
        self.base = base
        self.fraction = fraction
        self.basePolicy = basePolicy
    }

    /// Same as the base task.
    public var observationWidth: Int { base.observationWidth }
    /// Same as the base task.
    public var actionWidth: Int { base.actionWidth }
    /// Same as the base task.
    public var controlPeriodSeconds: Double { base.controlPeriodSeconds }

    /// Resets the base task.
    public mutating func reset(seed: UInt64) -> [Float] {
        lastObservation = base.reset(seed: seed)
        return lastObservation
    }

    /// Combines base action and bounded residual, then steps the base task.
    public mutating func step(_ action: [Float]) -> EnvironmentStep {
        let baseAction = basePolicy(lastObservation)
        lastAppliedAction = (0..<actionWidth).map { j in
            let residual = j < action.count ? min(max(action[j], -1), 1) : 0
            let nominal = j < baseAction.count ? min(max(baseAction[j], -1), 1) : 0
            return min(max(nominal + fraction * residual, -1), 1)
        }
        let result = base.step(lastAppliedAction)
        lastObservation = result.observation
        return result
    }
}
