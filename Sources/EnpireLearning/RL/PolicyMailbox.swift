import Synchronization

/// A single-slot, lock-protected holder of the newest ``SACPolicySnapshot``: the learner publishes, actors read.
///
/// The lock is held only to swap or copy a struct whose arrays are copy-on-write, so neither side waits on the
/// other's work: the acting loop keeps its control rate while the learner runs long update bursts.
public final class PolicyMailbox: Sendable {
    private let slot = Mutex<SACPolicySnapshot?>(nil)

    /// Creates an empty mailbox.
    public init() {}

    /// Replaces the held snapshot when `snapshot` is newer.
    public func publish(_ snapshot: SACPolicySnapshot) {
        slot.withLock { current in
            if current.map({ $0.version < snapshot.version }) ?? true { current = snapshot }
        }
    }

    /// The newest snapshot, if any has been published.
    public func latest() -> SACPolicySnapshot? { slot.withLock { $0 } }

    /// Version of the newest snapshot, or nil.
    public var latestVersion: Int? { slot.withLock { $0?.version } }
}
