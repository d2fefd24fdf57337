import Enpire
import Foundation
import Synchronization

/// The learning side of an actor/learner split: SAC (or RLPD, with a demonstration buffer) updating on its own
/// thread from the transitions an acting loop submits, publishing actor snapshots to a ``PolicyMailbox``.
///
/// The learner owes ``Configuration/updatesPerTransition`` updates (``SoftActorCritic/update(online:demonstrations:)``
/// calls) per submitted transition and never runs ahead of that, so the update-to-data ratio does not depend on
/// how fast the station produces data; it publishes a snapshot every ``Configuration/publishEvery`` updates and
/// whenever it has caught up. Submitting never waits for an update.
public final class StationLearner: Sendable {
    /// Pace and publishing.
    public struct Configuration: Sendable, Equatable {
        /// Learner updates owed per submitted transition.
        public var updatesPerTransition = 1
        /// Online transitions needed before the first update.
        public var minimumOnlineTransitions = 1
        /// Publish a snapshot after this many updates (and whenever the learner has caught up).
        public var publishEvery = 25

        /// Creates the default configuration.
        public init() {}
    }

    private struct Inbox {
        var pending: [Transition] = []
        var received = 0
        var updates = 0
        var stopRequested = false
        var finished = false
        var failure: String?
    }

    private struct Core {
        var learner: SoftActorCritic
        var online: ReplayBuffer
        var demonstrations: ReplayBuffer?
    }

    /// Where snapshots go.
    public let mailbox: PolicyMailbox
    /// Pace and publishing.
    public let configuration: Configuration
    private let inbox = Mutex(Inbox())
    private let core: Mutex<Core>
    private let started = Atomic<Bool>(false)

    /// Creates a learner over `learner` with an `online` buffer (kept; new transitions are appended) and optional
    /// `demonstrations` (RLPD: every batch mixes them in); publishes the initial snapshot at once.
    public init(learner: sending SoftActorCritic, online: sending ReplayBuffer,
                demonstrations: sending ReplayBuffer? = nil, mailbox: PolicyMailbox = PolicyMailbox(),
                configuration: Configuration = Configuration()) {
        mailbox.publish(learner.snapshot())
        self.mailbox = mailbox
        self.configuration = configuration
        core = Mutex(Core(learner: learner, online: online, demonstrations: demonstrations))
    }

    /// Starts the learner thread (once).
    public func start() {
        guard !started.exchange(true, ordering: .relaxed) else { return }
        let thread = Thread { [self] in self.run() }
        thread.name = "enpire-station-learner"
        thread.start()
    }

    /// Hands transitions to the learner (never waits for an update).
    public func submit(_ transitions: [Transition]) {
        inbox.withLock { box in
            box.pending.append(contentsOf: transitions)
            box.received += transitions.count
        }
    }

    /// Transitions submitted so far.
    public var receivedTransitions: Int { inbox.withLock { $0.received } }
    /// Updates done so far.
    public var updates: Int { inbox.withLock { $0.updates } }

    /// Waits (polling every millisecond) until the learner has done every update owed for the transitions
    /// submitted so far and published the result. Simulated stations call it between episodes so a run does not
    /// depend on CPU speed; a real station need not (it keeps acting with the newest snapshot).
    ///
    /// - Throws: ``RLError/invalidConfiguration(_:)`` when the learner failed or was never started.
    public func waitUntilCaughtUp() async throws {
        guard started.load(ordering: .relaxed) else {
            throw RLError.invalidConfiguration("the station learner was not started: call start() first")
        }
        while true {
            let (owed, failure, finished) = inbox.withLock { box in
                (box.pending.isEmpty ? owedUpdates(box) : 1, box.failure, box.finished)
            }
            if let failure { throw RLError.invalidConfiguration("the station learner stopped: \(failure)") }
            if owed <= 0 || finished { return }
            try await Task.sleep(nanoseconds: 1_000_000)
        }
    }

    /// Does the owed updates, stops the thread and returns the update count. Calling it twice is harmless.
    @discardableResult
    public func finish() async throws -> Int {
        if started.load(ordering: .relaxed) {
            try await waitUntilCaughtUp()
            inbox.withLock { $0.stopRequested = true }
            while !inbox.withLock({ $0.finished }) { try await Task.sleep(nanoseconds: 1_000_000) }
        }
        return updates
    }

    /// Runs `body` on the learner under its lock (the thread's updates wait meanwhile): save it, snapshot it.
    public func withLearner<Result: Sendable>(_ body: (SoftActorCritic, ReplayBuffer) throws -> Result) rethrows
        -> Result {
        try core.withLock { core in try body(core.learner, core.online) }
    }

    private func owedUpdates(_ box: Inbox) -> Int {
        (box.received >= configuration.minimumOnlineTransitions ? box.received * configuration.updatesPerTransition : 0)
            - box.updates
    }

    private func run() {
        var sincePublish = 0
        while true {
            let (batch, owed, stop) = inbox.withLock { box in
                let batch = box.pending
                box.pending.removeAll(keepingCapacity: true)
                return (batch, owedUpdates(box), box.stopRequested)
            }
            do {
                let done = try core.withLock { core throws -> Int in
                    for transition in batch { try core.online.append(transition) }
                    guard owed > 0, core.online.count >= configuration.minimumOnlineTransitions else { return 0 }
                    let burst = min(owed, 16)
                    for _ in 0..<burst { try core.learner.update(online: core.online, demonstrations: core.demonstrations) }
                    sincePublish += burst
                    if sincePublish >= configuration.publishEvery || burst == owed {
                        mailbox.publish(core.learner.snapshot())
                        sincePublish = 0
                    }
                    return burst
                }
                inbox.withLock { $0.updates += done }
                if done == 0 {
                    if stop { break }
                    Thread.sleep(forTimeInterval: 0.001)
                }
            } catch {
                inbox.withLock { $0.failure = "\(error)" }
                break
            }
        }
        inbox.withLock { $0.finished = true }
    }
}
