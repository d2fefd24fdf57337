public import Enpire
import Synchronization

/// The actor of an actor/learner split on a station: a `Policy` the station runs in its own control loop, acting
/// with the newest weights a learner published to a ``PolicyMailbox`` (``SnapshotActor``) through a
/// ``StationActionMap``, and logging what it saw and did for the episode's transitions.
///
/// It never waits for the learner: each step reads the mailbox's newest snapshot (a copy under a short lock).
/// Its commands are requests like any policy's: the station passes them through the safety envelope and records
/// them with source `policy`. One station drives it at a time.
public final class StationActingPolicy: Policy {
    /// How the actor chooses actions.
    public enum Mode: Sendable, Equatable {
        /// A sample from the newest snapshot's squashed Gaussian (uniform before any snapshot): exploration.
        case explore
        /// The newest snapshot's mean action (evaluation).
        case deterministic
        /// The zero action on every step (a residual map then runs its base policy alone).
        case zero
    }

    /// What the actor saw and did on one step.
    public struct StepLog: Sendable, Equatable {
        /// The actor's observation.
        public var observation: [Float]
        /// The action the step's transition records.
        public var action: [Float]
        /// Version of the snapshot the action came from (nil: none yet, or the zero action).
        public var snapshotVersion: Int?
    }

    private struct State {
        var map: any StationActionMap
        var actor: SnapshotActor
        var mode: Mode
        var log: [StepLog] = []
    }

    /// Recorded with every episode.
    public let name: String
    private let state: Mutex<State>

    /// Creates an actor over `map` reading weights from `mailbox`; `seed` drives exploration noise.
    public init(map: sending any StationActionMap, mailbox: PolicyMailbox, mode: Mode, seed: UInt64,
                name: String = "station-sac") {
        self.name = "\(name)/\(mode)"
        state = Mutex(State(map: map, actor: SnapshotActor(mailbox: mailbox, seed: seed), mode: mode))
    }

    /// Starts a new episode: the map forgets its state and the log empties.
    public func reset() {
        state.withLock { state in
            state.map.beginEpisode()
            state.log.removeAll(keepingCapacity: true)
        }
    }

    /// Switches how later steps choose actions.
    public func setMode(_ mode: Mode) {
        state.withLock { $0.mode = mode }
    }

    /// The steps logged since the last ``reset()``.
    public var log: [StepLog] { state.withLock { $0.log } }

    /// The map's observation, the actor's action and the map's commands for one station observation.
    public func action(for observation: Observation) async throws -> [ArmCommand] {
        try state.withLock { state throws -> [ArmCommand] in
            let input = try state.map.observation(from: observation)
            let width = state.map.actionWidth
            let proposed: [Float]
            var version: Int?
            switch state.mode {
            case .zero:
                proposed = [Float](repeating: 0, count: width)
            case .explore, .deterministic:
                proposed = try state.actor.act(input, actionWidth: width, deterministic: state.mode == .deterministic)
                version = state.actor.version
            }
            let chosen = try state.map.act(proposed, on: observation)
            state.log.append(StepLog(observation: input, action: chosen.action, snapshotVersion: version))
            return chosen.commands
        }
    }
}
