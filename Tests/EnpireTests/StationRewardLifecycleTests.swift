import Enpire
import EnpireTesting
import Synchronization
import Testing

/// Records the lifecycle calls and evaluations it sees, in order.
private final class LifecycleReward: RewardFunction {
    let events = Mutex<[String]>([])
    var identity: String { "lifecycle" }

    func beginEpisode(_ episode: EpisodeMetadata, firstObservation: Observation?) async {
        events.withLock { $0.append("begin \(episode.seed ?? 0) step \(firstObservation?.stepIndex ?? -1)") }
    }

    func evaluate(_ context: EpisodeContext) async throws -> Verdict {
        events.withLock { $0.append("evaluate \(context.observation.stepIndex)") }
        return Verdict(success: false, score: 0, status: .likelyFail)
    }

    func endEpisode(_ summary: EpisodeSummary) async {
        events.withLock { $0.append("end \(summary.metadata.seed ?? 0) after \(summary.stepCount)") }
    }
}

/// A reward that implements `evaluate` only still conforms (the lifecycle defaults to nothing).
private struct StatelessReward: RewardFunction {
    var identity: String { "stateless" }
    func evaluate(_ context: EpisodeContext) async throws -> Verdict {
        Verdict(success: false, score: 0, status: .likelyFail)
    }
}

@Suite("Station reward lifecycle")
struct StationRewardLifecycleTests {
    @Test func stationBracketsEveryEpisodeWithBeginAndEnd() async throws {
        let clock = SimulatedClock()
        let reward = LifecycleReward()
        let station = try Station(configuration: .init(name: "s", task: "t"), arms: [MockArm.planar(clock: clock)],
                                  reward: reward, clock: clock)
        for seed in [UInt64(1), 2] {
            _ = try await station.runEpisode(policy: ReachPolicy(target: [[0.6, 0.6]]), seed: seed, maxSteps: 2)
        }
        #expect(reward.events.withLock { $0 } == [
            "begin 1 step 0", "evaluate 1", "evaluate 2", "end 1 after 2",
            "begin 2 step 0", "evaluate 1", "evaluate 2", "end 2 after 2",
        ])
        let plain = try Station(configuration: .init(name: "p", task: "t"), arms: [MockArm.planar(clock: clock)],
                                reward: StatelessReward(), clock: clock)
        let episode = try await plain.runEpisode(policy: ReachPolicy(target: [[0.6, 0.6]]), maxSteps: 1)
        #expect(episode.summary.stepCount == 1)
    }
}
