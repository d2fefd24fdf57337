import Enpire

/// The acting side of an actor/learner split: runs its own copy of the actor network and refreshes the weights
/// from a ``PolicyMailbox`` when a newer snapshot was published, without ever waiting for the learner.
public final class SnapshotActor {
    /// Where snapshots come from.
    public let mailbox: PolicyMailbox
    /// Version of the weights in use (nil before the first snapshot arrived).
    public private(set) var version: Int?
    private var network: Sequential?
    private var snapshot: SACPolicySnapshot?
    private var rng: SplitMix64
    private var input = Tensor.zeros([1, 1]), output = Tensor.zeros([0])

    /// Creates an actor reading from `mailbox`; `seed` drives exploration noise.
    public init(mailbox: PolicyMailbox, seed: UInt64 = 0) {
        self.mailbox = mailbox
        rng = SplitMix64(seed: seed)
    }

    /// Picks up a newer snapshot if one was published; returns true when the weights changed.
    @discardableResult
    public func refresh() throws -> Bool {
        guard let latest = mailbox.latest(), latest.version != version else { return false }
        if network == nil || snapshot?.specification != latest.specification {
            var initRNG = SplitMix64(seed: 0)
            network = try latest.specification.makeNetwork(rng: &initRNG)
        }
        try network?.load(stateDictionary: latest.weights)
        snapshot = latest
        version = latest.version
        return true
    }

    /// Acts with the current weights (refreshing first); uniform random actions before any snapshot exists.
    public func act(_ observation: [Float], actionWidth: Int, deterministic: Bool = false) throws -> [Float] {
        try refresh()
        guard let network, let snapshot else {
            return (0..<actionWidth).map { _ in Float(rng.nextUnitDouble() * 2 - 1) }
        }
        input = try Tensor(shape: [1, observation.count], scalars: observation)
        try network.forward(input, into: &output)
        return SoftActorCritic.squash(output.scalars, actionWidth: snapshot.actionWidth,
                                      range: snapshot.logStandardDeviationRange, deterministic: deterministic,
                                      rng: &rng)
    }
}
