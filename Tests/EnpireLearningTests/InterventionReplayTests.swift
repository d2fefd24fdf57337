import Enpire
import Foundation
import Testing
@testable import EnpireLearning

/// RLPD on intervention data, on a 1-D reach task: state x in [-1, 1], x' = x + 0.5·a, reward −|x'| (+1 and the
/// end of the episode when |x'| < 0.05). The "policy" pushes away from 0; after three of its steps a "person"
/// takes over and drives x to 0 (source `human`, the policy's own request kept in `policyRequested`).
@Suite("RL: RLPD buffers from interventions")
struct InterventionReplayTests {
    static func episode(_ id: Int, start: Double) -> RecordedEpisode {
        var x = start
        var steps: [StepRecord] = []
        for t in 0..<20 {
            let away = x >= 0 ? 0.5 : -0.5
            let human = t >= 3
            let action = human ? min(max(-2 * x, -1), 1) : away
            let next = min(max(x + 0.5 * action, -1), 1)
            let success = abs(next) < 0.05
            steps.append(StepRecord(
                index: t, timeSeconds: Double(t) / 10, source: human ? .human : .policy,
                arms: [RobotState(position: [x], velocity: [0])], features: ["x": [x]],
                requested: [.moveTo([action])], applied: [.moveTo([action])],
                reward: -abs(next) + (success ? 1 : 0), success: success,
                policyRequested: human ? [.moveTo([away])] : nil))
            x = next
            if success { break }
        }
        let metadata = EpisodeMetadata(id: "reach\(id)", task: "reach", station: "toy", policy: "away",
                                       startedAtUnixSeconds: 0, arms: [], cameras: [])
        return RecordedEpisode(summary: EpisodeSummary(metadata: metadata, status: .complete, stepCount: steps.count,
                                                       durationSeconds: 2), steps: steps)
    }

    static let replay = InterventionReplay(
        observation: { [Float($0.features["x"]?[0] ?? 0)] },
        action: { commands in commands.first.flatMap { $0.target.first }.map { [Float($0)] } })

    static func episodes() -> [RecordedEpisode] {
        var rng = SplitMix64(seed: 7)
        return (0..<40).map { episode($0, start: rng.nextUnitDouble() * 1.6 - 0.8) }
    }

    @Test("human steps reach the demonstration side with the person's action, policy steps the online side")
    func interventionsAreDemonstrations() throws {
        let episodes = Self.episodes()
        var online = try ReplayBuffer(observationWidth: 1, actionWidth: 1, capacity: 10_000)
        var demonstrations = try ReplayBuffer(observationWidth: 1, actionWidth: 1, capacity: 10_000)
        let counts = try Self.replay.fill(online: &online, demonstrations: &demonstrations, from: episodes)
        let steps = episodes.flatMap(\.steps)
        let human = steps.filter { $0.source == .human }
        // Every human step ends in success or has a successor here, so none is dropped.
        #expect(counts.humanSteps == human.count && counts.droppedSteps == 0)
        #expect(counts.demonstrationTransitions == human.count && demonstrations.count == human.count)
        #expect(counts.onlineTransitions == steps.count && online.count == steps.count)
        // The demonstration side holds the person's actions (toward 0), never what the policy had asked for.
        for row in 0..<demonstrations.count {
            let transition = try #require(demonstrations.transition(at: row))
            let x = transition.observation[0], a = transition.action[0]
            #expect(abs(a - min(max(-2 * x, -1), 1)) < 1e-6, "row \(row): x \(x), action \(a)")
        }
        #expect((0..<demonstrations.count).compactMap { demonstrations.transition(at: $0) }.filter(\.terminal).count
            == episodes.filter { $0.steps.last?.success == true }.count)
        // Without the online copy (RLPD's plain split), the online side has the policy's steps only.
        var replay = Self.replay
        replay.interventionsAlsoOnline = false
        var policyOnly = try ReplayBuffer(observationWidth: 1, actionWidth: 1, capacity: 10_000)
        var demonstrations2 = try ReplayBuffer(observationWidth: 1, actionWidth: 1, capacity: 10_000)
        try replay.fill(online: &policyOnly, demonstrations: &demonstrations2, from: episodes)
        #expect(policyOnly.count == steps.count - human.count)
        for row in 0..<policyOnly.count {
            let transition = try #require(policyOnly.transition(at: row))
            #expect(transition.action[0] * transition.observation[0] >= 0, "a policy step pushes away")
        }
    }

    @Test("reset and safety steps and a truncated last step are dropped")
    func droppedSteps() throws {
        var episode = Self.episode(0, start: 0.9)
        episode.steps[0].source = .reset
        episode.steps[1].source = .safety
        episode.steps = Array(episode.steps.prefix(4))   // truncated: the last step has no successor, no success
        var online = try ReplayBuffer(observationWidth: 1, actionWidth: 1, capacity: 100)
        var demonstrations = try ReplayBuffer(observationWidth: 1, actionWidth: 1, capacity: 100)
        let counts = try Self.replay.fill(online: &online, demonstrations: &demonstrations, from: [episode])
        #expect(counts.droppedSteps == 3)   // steps 0 (reset), 1 (safety), 3 (human, but truncated)
        #expect(counts.demonstrationTransitions == 0 && counts.onlineTransitions == 1)
        var wide = try ReplayBuffer(observationWidth: 2, actionWidth: 1, capacity: 100)
        #expect(throws: RLError.self) {
            try Self.replay.fill(online: &online, demonstrations: &wide, from: [Self.episode(1, start: 0.5)])
        }
    }

    @Test("SAC trained on the RLPD buffers learns the person's direction, which the policy's own steps never show")
    func sacLearnsFromInterventions() throws {
        let configuration = rlFastConfiguration(seed: 3)
        var replay = Self.replay
        replay.interventionsAlsoOnline = false
        func train(dropInterventions: Bool) throws -> (Float, Float) {
            var online = try ReplayBuffer(observationWidth: 1, actionWidth: 1, capacity: 10_000)
            var demonstrations = try ReplayBuffer(observationWidth: 1, actionWidth: 1, capacity: 10_000)
            try replay.fill(online: &online, demonstrations: &demonstrations, from: Self.episodes())
            let learner = try SoftActorCritic(observationWidth: 1, actionWidth: 1, configuration: configuration)
            for _ in 0..<300 {
                _ = try learner.update(online: online, demonstrations: dropInterventions ? nil : demonstrations)
            }
            return (try learner.act([0.5], deterministic: true)[0], try learner.act([-0.5], deterministic: true)[0])
        }
        let (right, left) = try train(dropInterventions: false)
        print("RLPD toy: actions at x=±0.5 with interventions \(right), \(left)")
        #expect(right < -0.2 && left > 0.2, "actions at x=±0.5: \(right), \(left) (toward 0 expected)")
        // Control: the same learner without the intervention transitions has only the policy's away-pushing
        // actions to go on, and does not point toward 0 on both sides.
        let (r, l) = try train(dropInterventions: true)
        #expect(!(r < -0.2 && l > 0.2), "without interventions: \(r), \(l)")
    }
}
