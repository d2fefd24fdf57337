/// What a reward function sees when asked for a verdict.
public struct EpisodeContext: Sendable {
    /// The latest observation (frames, arm states, features).
    public var observation: Observation
    /// Whether this is the last step of the episode (budget reached or stopped).
    public var isFinal: Bool

    /// Creates a context.
    public init(observation: Observation, isFinal: Bool) {
        self.observation = observation
        self.isFinal = isFinal
    }
}

/// Judges the task from what the station observes (cameras first, other signals where available).
public protocol RewardFunction: Sendable {
    /// Stable identifier, part of the frozen evaluation hash (for example the calibrated file's hash).
    var identity: String { get }
    /// Forms a verdict for the given context.
    func evaluate(_ context: EpisodeContext) async throws -> Verdict
}
