public import Enpire

/// A `Station` as a reinforcement-learning environment: episodes run in the station's own control loop through
/// `Station.runEpisode` with a ``StationActingPolicy``, so every action passes the station's safety envelope and
/// is recorded with source `policy` (and by the station's recorder, when it has one), every episode starts with
/// the station's verified reset routine, rewards come from the station's `RewardFunction` verdicts through a
/// ``StationRewardShaping``, and robot time is read from the station's own accounting (episode and reset
/// seconds on its clock).
///
/// Works for any task: the task supplies a ``StationActionMap`` factory and a shaping. Pair it with a
/// ``StationLearner`` (``collect(seeds:learner:lockstep:onEpisode:)``) for the actor/learner split.
public struct StationEnvironment: Sendable {
    /// The station the actor acts on.
    public let station: Station
    /// Makes the action map for a new acting policy.
    public let makeMap: @Sendable () -> any StationActionMap
    /// How station verdicts become rewards.
    public var shaping: StationRewardShaping
    /// Step budget per episode.
    public var maxSteps: Int
    /// Tags recorded with every episode (the adapter adds `rl` = the acting mode and `split`).
    public var tags: [String: String]

    /// Creates an environment.
    public init(station: Station, maxSteps: Int, shaping: StationRewardShaping, tags: [String: String] = [:],
                makeMap: @escaping @Sendable () -> any StationActionMap) {
        self.station = station
        self.maxSteps = maxSteps
        self.shaping = shaping
        self.tags = tags
        self.makeMap = makeMap
    }

    /// Runs one episode (the station's reset, then the actor's steps) and returns it with its transitions.
    ///
    /// - Throws: what `Station.runEpisode` throws (an unverified reset pauses the station and throws).
    public func runEpisode(seed: UInt64, mode: StationActingPolicy.Mode, mailbox: PolicyMailbox,
                           split: String = "train") async throws -> StationRLEpisode {
        let policy = StationActingPolicy(map: makeMap(), mailbox: mailbox, mode: mode, seed: seed ^ 0x57A7_10_AC)
        return try await runEpisode(seed: seed, policy: policy, split: split)
    }

    /// Runs one episode with an existing acting policy (its mode decides how it acts).
    public func runEpisode(seed: UInt64, policy: StationActingPolicy, split: String = "train") async throws
        -> StationRLEpisode {
        let before = await station.currentHealth
        var episodeTags = tags
        episodeTags["rl"] = policy.name
        episodeTags["split"] = split
        let recorded = try await station.runEpisode(policy: policy, seed: seed, maxSteps: maxSteps,
                                                    stopOnSuccess: true, tags: episodeTags)
        let after = await station.currentHealth
        let log = policy.log
        let resetSeconds = after.resetSeconds - before.resetSeconds
        return StationRLEpisode(
            seed: seed, recorded: recorded, transitions: shaping.transitions(log: log, steps: recorded.steps),
            robotSeconds: after.episodeSeconds - before.episodeSeconds + resetSeconds, resetSeconds: resetSeconds,
            snapshotVersions: Set(log.compactMap(\.snapshotVersion)).sorted())
    }

    /// The actor's side of training: for each seed, (with `lockstep`, first waits until the learner has
    /// caught up with the data so far), runs an exploring episode with the newest snapshot and submits its
    /// transitions. Lockstep makes a simulated run independent of CPU speed; a real station runs without it.
    public func collect(seeds: [UInt64], learner: StationLearner, lockstep: Bool = true,
                        onEpisode: (StationRLEpisode) -> Void = { _ in }) async throws -> [StationRLEpisode] {
        var episodes: [StationRLEpisode] = []
        for seed in seeds {
            try Task.checkCancellation()
            if lockstep { try await learner.waitUntilCaughtUp() }
            let episode = try await runEpisode(seed: seed, mode: .explore, mailbox: learner.mailbox)
            learner.submit(episode.transitions)
            onEpisode(episode)
            episodes.append(episode)
        }
        return episodes
    }
}

/// One episode of a ``StationEnvironment``: the station's record and the transitions built from it.
public struct StationRLEpisode: Sendable {
    /// The reset seed.
    public var seed: UInt64
    /// What the station recorded (summary with reset outcome and verdict, steps with sources and interventions).
    public var recorded: RecordedEpisode
    /// `(actor observation, action, shaped reward, next observation, station success)` per policy step.
    public var transitions: [Transition]
    /// Robot seconds on the station's clock: the episode plus its reset.
    public var robotSeconds: Double
    /// Of ``robotSeconds``, the reset's.
    public var resetSeconds: Double
    /// Snapshot versions the actor acted with (empty for the zero action or before any snapshot).
    public var snapshotVersions: [Int]

    /// Whether the station's reward judged the episode a success.
    public var stationSuccess: Bool { recorded.summary.verdict?.success == true }
    /// Safety interventions on the episode's steps (clipped or refused commands).
    public var interventions: Int { recorded.steps.reduce(0) { $0 + $1.interventions.count } }
}
