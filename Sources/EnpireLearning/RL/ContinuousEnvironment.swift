/// The result of one environment step.
public struct EnvironmentStep: Sendable, Equatable {
    /// Observation after the step.
    public var observation: [Float]
    /// Reward for the transition.
    public var reward: Float
    /// True when the episode ended in a terminal state (no bootstrapping past it).
    public var terminated: Bool
    /// True when the episode was cut by a time limit (bootstrapping continues).
    public var truncated: Bool
    /// True when the task counts as solved at this step.
    public var success: Bool

    /// Creates a step result.
    public init(observation: [Float], reward: Float, terminated: Bool = false, truncated: Bool = false,
                success: Bool = false) {
        self.observation = observation
        self.reward = reward
        self.terminated = terminated
        self.truncated = truncated
        self.success = success
    }
}

/// A continuous-control task as plain arrays: the interface RL algorithms see.
///
/// EnpireLearning does not depend on the simulators; adapters (tests, task packages) wrap a simulator or a
/// station in this protocol. Actions are in `[-1, 1]^actionWidth`; the adapter scales them to its own units.
public protocol ContinuousEnvironment {
    /// Values per observation.
    var observationWidth: Int { get }
    /// Values per action.
    var actionWidth: Int { get }
    /// Simulated robot time one step takes, in seconds (used for learning curves over robot time).
    var controlPeriodSeconds: Double { get }
    /// Starts an episode from a seeded initial state and returns the first observation.
    mutating func reset(seed: UInt64) -> [Float]
    /// Applies an action in `[-1, 1]^actionWidth`.
    mutating func step(_ action: [Float]) -> EnvironmentStep
}
