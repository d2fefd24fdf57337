/// A person (or a stand-in for one) who can take an episode over from the policy, asked once per control step by
/// ``Station/runEpisode(policy:seed:maxSteps:stopOnSuccess:tags:interventions:)``.
///
/// Each step the station first asks the policy, then the source, with the observation and the policy's request.
/// A source that returns commands (one per arm) holds the intervention for that step: its commands replace the
/// policy's, pass the same ``SafetyGate`` (envelope and emergency stop), and the step is recorded with source
/// ``ActionSource/human`` and the policy's request in ``StepRecord/policyRequested``. Returning nil hands the step
/// back to the policy. Consecutive held steps form one intervention; ``EpisodeSummary/interventions`` counts them.
///
/// Like ``Policy``, a source is a value the station copies at the start of each episode and mutates while it runs;
/// devices it reads (a leader arm, a keyboard) are references it holds.
public protocol InterventionSource: Sendable {
    /// Prepares for a new episode (forget a held intervention, re-read a device's rest pose).
    mutating func beginEpisode() async throws
    /// The person's commands for this control step (one per arm, in station order), or nil to let the policy's
    /// `policyRequested` through.
    mutating func commands(for observation: Observation, policyRequested: [ArmCommand]) async throws -> [ArmCommand]?
}

extension InterventionSource {
    /// Default: nothing to prepare.
    public mutating func beginEpisode() async throws {}
}

/// How much of an episode a person drove through an ``InterventionSource``.
public struct InterventionSummary: Sendable, Codable, Equatable {
    /// Interventions: runs of consecutive steps the person held.
    public var count: Int
    /// Steps the person drove (recorded with source ``ActionSource/human``).
    public var steps: Int

    /// Creates a summary.
    public init(count: Int = 0, steps: Int = 0) {
        self.count = count
        self.steps = steps
    }
}
