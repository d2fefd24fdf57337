/// Where a station writes episodes as they happen (an on-disk ``EpisodeStore``, or memory in simulation).
public protocol EpisodeRecorder: Sendable {
    /// Starts recording an episode.
    func begin(_ metadata: EpisodeMetadata) async throws -> any EpisodeRecording
}

/// One episode being recorded: steps are appended as they happen, the summary is written last.
public protocol EpisodeRecording: Sendable {
    /// Appends one step and the frames observed for it.
    func append(_ step: StepRecord, frames: [Frame]) async throws
    /// Seals the episode with its summary.
    func finish(_ summary: EpisodeSummary) async throws
}
