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
///
/// A reward that keeps state across the steps of an episode (a low-force streak, the force at a jaw closure)
/// learns where episodes start and end from ``beginEpisode(_:firstObservation:)`` and
/// ``endEpisode(_:)``, never by guessing from step indices. A ``Station`` calls them around every episode it
/// runs; code that drives a reward by hand calls them too. Both default to doing nothing, so a stateless reward
/// implements ``evaluate(_:)`` only.
public protocol RewardFunction: Sendable {
    /// Stable identifier, part of the frozen evaluation hash (for example the calibrated file's hash).
    var identity: String { get }
    /// Forms a verdict for the given context.
    func evaluate(_ context: EpisodeContext) async throws -> Verdict
    /// Starts an episode: forget every per-episode state. Called after the reset, before the first
    /// ``evaluate(_:)`` of the episode, with the episode's metadata (id, seed, task, station) and its first
    /// observation (nil when the station could not observe).
    func beginEpisode(_ episode: EpisodeMetadata, firstObservation: Observation?) async
    /// Ends an episode (complete or aborted), after its last ``evaluate(_:)``, with its summary.
    func endEpisode(_ summary: EpisodeSummary) async
}

extension RewardFunction {
    /// Does nothing: a stateless reward has no episode state.
    public func beginEpisode(_ episode: EpisodeMetadata, firstObservation: Observation?) async {}
    /// Does nothing: a stateless reward has no episode state.
    public func endEpisode(_ summary: EpisodeSummary) async {}
}
