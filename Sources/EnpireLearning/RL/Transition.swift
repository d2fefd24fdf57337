/// One `(s, a, r, s', done)` tuple for off-policy learning.
public struct Transition: Sendable, Equatable {
    /// Observation before the action.
    public var observation: [Float]
    /// Action taken, in `[-1, 1]`.
    public var action: [Float]
    /// Reward received.
    public var reward: Float
    /// Observation after the action.
    public var nextObservation: [Float]
    /// True when `nextObservation` is terminal (the target does not bootstrap from it).
    public var terminal: Bool

    /// Creates a transition.
    public init(observation: [Float], action: [Float], reward: Float, nextObservation: [Float], terminal: Bool) {
        self.observation = observation
        self.action = action
        self.reward = reward
        self.nextObservation = nextObservation
        self.terminal = terminal
    }
}
