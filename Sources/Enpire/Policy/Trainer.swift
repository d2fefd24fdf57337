public import Foundation

/// What a training run produced.
public struct TrainingOutcome: Sendable {
    /// The trained policy, ready to run.
    public var policy: any Policy
    /// Where the checkpoint was written, if one was.
    public var checkpoint: URL?
    /// Final metrics (for example `"train_loss"`, `"validation_mse"`).
    public var metrics: [String: Double]

    /// Creates an outcome.
    public init(policy: any Policy, checkpoint: URL? = nil, metrics: [String: Double] = [:]) {
        self.policy = policy
        self.checkpoint = checkpoint
        self.metrics = metrics
    }
}

/// Turns recorded episodes into a ``Policy`` (behaviour cloning, offline RL, ...).
public protocol Trainer: Sendable {
    /// Trains on the given episodes.
    func train(on episodes: [RecordedEpisode]) async throws -> TrainingOutcome
}
