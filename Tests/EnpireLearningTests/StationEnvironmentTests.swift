import Enpire
@testable import EnpireLearning
import EnpireTesting
import Foundation
import Testing

/// Reach (0.8, 0.8) with a planar mock arm: actor observation = the arm's position, action ↦ target
/// `offset + reach · action` (so `offset` outside the arm's limits asks for an out-of-envelope move).
private struct ReachMap: StationActionMap {
    var offset: [Double] = [0.5, 0.5]
    var reach = 0.5
    var episodes = 0
    var observationWidth: Int { 2 }
    var actionWidth: Int { 2 }
    mutating func beginEpisode() { episodes += 1 }
    mutating func observation(from observation: Observation) throws -> [Float] {
        observation.arms[0].position.map(Float.init)
    }
    mutating func act(_ action: [Float], on observation: Observation) throws -> StationAction {
        StationAction(commands: [.moveTo((0..<2).map { offset[$0] + reach * Double(action[$0]) })], action: action)
    }
}

/// Score `1 − distance` to (0.8, 0.8); success within 0.02.
private struct ReachTargetReward: RewardFunction {
    var identity: String { "test.reach-0.8" }
    func evaluate(_ context: EpisodeContext) async throws -> Verdict {
        guard let tip = context.observation.arms.first?.position else { return .unknown("no arm") }
        let distance = hypot(tip[0] - 0.8, tip[1] - 0.8)
        return Verdict(success: distance < 0.02, score: 1 - distance, status: distance < 0.02 ? .confirmedPass : .likelyFail)
    }
}

/// Walks the arm to (0.2, 0.2) through its guarded handle in three commands, 0.1 s each on the station clock.
private struct CornerReset: ResetRoutine {
    var identity: String { "test.corner" }
    func reset(_ context: ResetContext) async throws -> ResetOutcome {
        for _ in 0..<3 {
            _ = try await context.arms[0].send(.moveTo([0.2, 0.2]))
            try await context.clock.sleep(untilSeconds: context.clock.now() + 0.1)
        }
        return ResetOutcome(verified: true, attempts: 1, elapsedSeconds: 0.3, strategy: "corner")
    }
}

@Suite("Station as an RL environment")
struct StationEnvironmentTests {
    private func makeStation(maxStep: Double? = nil, recorder: (any EpisodeRecorder)? = nil) throws
        -> (Station, MockArm) {
        let clock = SimulatedClock()
        let arm = MockArm.planar(clock: clock)
        let envelope = try SafetyEnvelope(specification: arm.specification, maxStep: maxStep)
        let station = try Station(configuration: .init(name: "rl", task: "reach"), arms: [arm], safety: [envelope],
                                  reward: ReachTargetReward(), reset: CornerReset(), recorder: recorder, clock: clock)
        return (station, arm)
    }

    @Test("out-of-envelope actions are clipped by the station's envelope and recorded as policy steps with the intervention")
    func actionsPassTheEnvelope() async throws {
        let folder = try LedgerFixtures.temporaryFolder("station-rl")
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try EpisodeStore(root: folder)
        let (station, arm) = try makeStation(maxStep: 0.1, recorder: store)
        try await station.connect()
        // The map asks for x = 1.4: beyond the arm's upper limit 1 and more than the 0.1 step limit away.
        let environment = StationEnvironment(station: station, maxSteps: 5, shaping: StationRewardShaping()) {
            ReachMap(offset: [1.4, 0.5])
        }
        let episode = try await environment.runEpisode(seed: 3, mode: .zero, mailbox: PolicyMailbox())
        let steps = episode.recorded.steps
        #expect(steps.count == 5)
        #expect(steps.allSatisfy { $0.source == .policy })
        #expect(steps.allSatisfy { $0.requested == [.moveTo([1.4, 0.5])] })
        #expect(steps.allSatisfy { !$0.interventions.isEmpty && $0.applied != $0.requested })
        #expect(episode.interventions >= 5)
        // What the arm received is what the envelope let through: inside the limits, steps of at most 0.1.
        let received = await arm.received.filter { $0.mode == .position }.map(\.target)
        #expect(received.allSatisfy { $0[0] <= 1 + 1e-12 })
        for step in steps {
            let (from, to) = (step.arms[0].position, step.applied[0].target)
            #expect(hypot(to[0] - from[0], to[1] - from[1]) <= 0.1 + 1e-9)
        }
        // The recorder holds the same steps: source policy, the interventions, the acting mode as a tag.
        let loaded = try store.load(episode.recorded.summary.metadata.id)
        #expect(loaded.steps == steps)
        #expect(loaded.summary.metadata.tags["rl"] == "station-sac/zero")
    }

    @Test("robot time is the station clock's episode plus verified-reset seconds; rewards come from its verdicts")
    func robotTimeCountsResets() async throws {
        let (station, _) = try makeStation()
        try await station.connect()
        let shaping = StationRewardShaping(progressWeight: 2, successBonus: 1, stepCost: 0.01, initialScore: 0.5)
        let environment = StationEnvironment(station: station, maxSteps: 4, shaping: shaping) { ReachMap(reach: 0.2) }
        let first = try await environment.runEpisode(seed: 1, mode: .zero, mailbox: PolicyMailbox())
        let second = try await environment.runEpisode(seed: 2, mode: .zero, mailbox: PolicyMailbox())
        for episode in [first, second] {
            #expect(episode.recorded.summary.reset?.verified == true)
            #expect(abs(episode.resetSeconds - 0.3) < 1e-9)
            #expect(abs(episode.robotSeconds - (0.3 + 4 * 0.1)) < 1e-9)
        }
        let health = await station.currentHealth
        #expect(abs(health.episodeSeconds + health.resetSeconds - first.robotSeconds - second.robotSeconds) < 1e-9)
        // Rewards: 2·Δscore − 0.01 from the recorded verdict scores; the last step (budget cut) has no successor.
        let scores = first.recorded.steps.map { Float($0.reward!) }
        #expect(first.transitions.count == 3)
        for (t, transition) in first.transitions.enumerated() {
            let previous = t == 0 ? Float(0.5) : scores[t - 1]
            #expect(abs(transition.reward - (2 * (scores[t] - previous) - 0.01)) < 1e-5)
            #expect(!transition.terminal)
        }
    }

    @Test("the learner's weights reach the actor through the mailbox; the learner keeps its update-to-data ratio")
    func learnerWeightsReachTheActor() async throws {
        let (station, _) = try makeStation()
        try await station.connect()
        let environment = StationEnvironment(station: station, maxSteps: 8, shaping: StationRewardShaping()) {
            ReachMap()
        }
        var configuration = SACConfiguration()
        configuration.actorHiddenWidths = [16]
        configuration.criticHiddenWidths = [16]
        configuration.batchSize = 8
        configuration.seed = 5
        let sac = try SoftActorCritic(observationWidth: 2, actionWidth: 2, configuration: configuration)
        let online = try ReplayBuffer(observationWidth: 2, actionWidth: 2, capacity: 1000)
        var pace = StationLearner.Configuration()
        pace.updatesPerTransition = 2
        pace.publishEvery = 5
        let learner = StationLearner(learner: sac, online: online, configuration: pace)
        #expect(learner.mailbox.latestVersion == 0)
        learner.start()
        let episodes = try await environment.collect(seeds: [10, 11, 12], learner: learner)
        try await learner.waitUntilCaughtUp()
        let received = learner.receivedTransitions
        #expect(received == episodes.map(\.transitions.count).reduce(0, +))
        #expect(received > 0 && learner.updates == 2 * received)
        // Lockstep: the second episode acted with the snapshot published after the first one's updates.
        #expect(episodes[0].snapshotVersions == [0])
        #expect((episodes[1].snapshotVersions.max() ?? 0) > 0)
        let learnerVersion = learner.withLearner { sac, _ in sac.actorUpdateCount }
        #expect(learner.mailbox.latestVersion == learnerVersion)
        // The actor's deterministic action is the learner's, on the station's own observation.
        let policy = StationActingPolicy(map: ReachMap(), mailbox: learner.mailbox, mode: .deterministic, seed: 1)
        let evaluation = try await environment.runEpisode(seed: 13, policy: policy, split: "dev")
        #expect(evaluation.snapshotVersions == [learnerVersion])
        let log = policy.log
        let expected = try learner.withLearner { sac, _ in try sac.act(log[0].observation, deterministic: true) }
        #expect(log[0].action == expected)
        #expect(try await learner.finish() == 2 * received)
    }
}
