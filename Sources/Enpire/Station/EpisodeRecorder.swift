/// Where a station writes episodes as they happen (an on-disk ``EpisodeStore``, or memory in simulation).
public protocol EpisodeRecorder: Sendable {
    /// Starts recording an episode.
    func begin(_ metadata: EpisodeMetadata) async throws -> any EpisodeRecording
}

/// One episode being recorded: steps are appended as they happen, the summary is written last.
public protocol EpisodeRecording: Sendable {
    /// Appends one step and the frames observed for it.
    func append(_ step: StepRecord, frames: [Frame]) async throws
    /// Appends the frames of the observation after the last step (the one the final verdict was formed on),
    /// listed under step index `stepIndex` (the step count) without a step record.
    func appendFinalFrames(_ frames: [Frame], stepIndex: Int) async throws
    /// Seals the episode with its summary.
    func finish(_ summary: EpisodeSummary) async throws
}

extension EpisodeRecording {
    /// Recorders that keep only per-step frames ignore the final observation.
    public func appendFinalFrames(_ frames: [Frame], stepIndex: Int) async throws {}
}
