/// A sampled mini-batch in preallocated tensors (`[batch, width]`), reused across updates.
public struct ReplayBatch: Sendable {
    /// Observations `[batch, observationWidth]`.
    public var observations: Tensor
    /// Actions `[batch, actionWidth]`.
    public var actions: Tensor
    /// Rewards `[batch, 1]`.
    public var rewards: Tensor
    /// Next observations `[batch, observationWidth]`.
    public var nextObservations: Tensor
    /// `1 - terminal` per row `[batch, 1]`.
    public var notTerminal: Tensor

    /// Creates zeroed storage for `batchSize` rows.
    public init(batchSize: Int, observationWidth: Int, actionWidth: Int) {
        observations = .zeros([batchSize, observationWidth])
        actions = .zeros([batchSize, actionWidth])
        rewards = .zeros([batchSize, 1])
        nextObservations = .zeros([batchSize, observationWidth])
        notTerminal = .zeros([batchSize, 1])
    }

    /// Rows in the batch.
    public var batchSize: Int { rewards.count }
}
