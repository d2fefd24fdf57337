/// Facts about an episode known when it starts.
public struct EpisodeMetadata: Sendable, Codable, Equatable {
    /// Unique identifier (also the episode's folder name in an ``EpisodeStore``).
    public var id: String
    /// Task name (for example `"pusht"`).
    public var task: String
    /// Station name.
    public var station: String
    /// Seed of the start state, when the episode started from a seeded reset.
    public var seed: UInt64?
    /// Name of the policy that acted.
    public var policy: String
    /// Wall-clock start, seconds since 1970.
    public var startedAtUnixSeconds: Double
    /// Arm specifications, in station order.
    public var arms: [ArmSpecification]
    /// Camera names recorded.
    public var cameras: [String]
    /// Free-form tags (for example `"split": "heldout"`, `"recipe": "bc-v3"`).
    public var tags: [String: String]

    /// Creates metadata.
    public init(id: String, task: String, station: String, seed: UInt64? = nil, policy: String,
                startedAtUnixSeconds: Double, arms: [ArmSpecification], cameras: [String],
                tags: [String: String] = [:]) {
        self.id = id
        self.task = task
        self.station = station
        self.seed = seed
        self.policy = policy
        self.startedAtUnixSeconds = startedAtUnixSeconds
        self.arms = arms
        self.cameras = cameras
        self.tags = tags
    }
}

/// How an episode ended.
public enum EpisodeStatus: String, Sendable, Codable, Hashable {
    /// Ran to success, budget or stop and was sealed.
    case complete
    /// Ended by a fault or e-stop and was sealed with the reason.
    case aborted
    /// Never sealed (the process died): recovered from the flushed steps.
    case incomplete
}

/// Facts about an episode known when it ends (written last, as `episode.json`).
public struct EpisodeSummary: Sendable, Codable, Equatable {
    /// Start-time facts.
    public var metadata: EpisodeMetadata
    /// How it ended.
    public var status: EpisodeStatus
    /// Number of steps recorded.
    public var stepCount: Int
    /// Robot time from first to last step, in seconds.
    public var durationSeconds: Double
    /// Final reward verdict, when one was formed.
    public var verdict: Verdict?
    /// The reset that preceded the episode, when there was one.
    public var reset: ResetOutcome?
    /// Why the episode was aborted or found incomplete.
    public var reason: String?
    /// Interventions of the episode's ``InterventionSource`` (nil when it ran without one).
    public var interventions: InterventionSummary?

    /// Creates a summary.
    public init(metadata: EpisodeMetadata, status: EpisodeStatus, stepCount: Int, durationSeconds: Double,
                verdict: Verdict? = nil, reset: ResetOutcome? = nil, reason: String? = nil,
                interventions: InterventionSummary? = nil) {
        self.metadata = metadata
        self.status = status
        self.stepCount = stepCount
        self.durationSeconds = durationSeconds
        self.verdict = verdict
        self.reset = reset
        self.reason = reason
        self.interventions = interventions
    }
}

/// An episode read back from disk (or kept in memory): its summary and every step.
public struct RecordedEpisode: Sendable {
    /// Summary (for incomplete episodes, reconstructed from the flushed steps).
    public var summary: EpisodeSummary
    /// Steps in order.
    public var steps: [StepRecord]
    /// Commands the reset routine sent before the first step, as they passed the safety gate (source `reset`).
    /// Kept in memory only: an `EpisodeRecorder` stores ``steps``, not these.
    public var resetCommands: [ArmCommandRecord]

    /// Creates a recorded episode.
    public init(summary: EpisodeSummary, steps: [StepRecord], resetCommands: [ArmCommandRecord] = []) {
        self.summary = summary
        self.steps = steps
        self.resetCommands = resetCommands
    }
}
