import Enpire
import Testing
@testable import EnpireSim

@Suite("Push-T robot-driven reset")
struct PushTRobotResetTests {
    @Test func putsAJammedSceneBackWithinTolerance() async throws {
        let (kind, end) = PushTResetStudy.endState(index: 2)
        #expect(kind == .jammed)
        let world = PushTWorld()
        await world.place(end)
        let reset = PushTRobotReset(world: world)
        let clock = SimulatedClock()
        let outcome = try await reset.reset(ResetContext(arms: [PushTPusherArm(world: world, clock: clock)],
                                                             cameras: [], seed: 6_000_002, clock: clock))
        #expect(outcome.verified, "\(outcome.reason ?? "")")
        // The pusher resets the scene by itself, through the escalation ladder's strategies.
        #expect(outcome.operatorAction == nil && PushTRobotReset.strategies.map(\.name).contains(outcome.strategy))
        let target = PushTRobotReset.startScene(seed: 6_000_002)
        let state = await world.state
        #expect(reset.blockWithinTolerance(state, target))
        // The agent ends at its start, or (when that start overlaps the T) the nearest free position, as reported.
        let agentGoal = PushTRobotReset.reachableAgentPosition(SIMD2(target.agentX, target.agentY), block: state)
        #expect(abs(state.agentX - agentGoal.x) <= 10 && abs(state.agentY - agentGoal.y) <= 10)
        #expect(agentGoal == SIMD2(target.agentX, target.agentY) || outcome.reason?.contains("nearest free") == true)
        #expect(outcome.elapsedSeconds > 0 && abs(clock.now() - outcome.elapsedSeconds) < 1e-9,
                "reset time is robot time on the station clock")
    }

    @Test func anExhaustedBudgetIsReportedAndPausesTheStation() async throws {
        let world = PushTWorld()
        await world.reset(seed: 1)
        var settings = PushTRobotReset.Settings()
        settings.budgetSeconds = 0.5
        let clock = SimulatedClock()
        let station = try Station(configuration: .init(name: "s", task: "pusht"),
                                  arms: [PushTPusherArm(world: world, clock: clock)],
                                  reward: PushTCoverageReward(world: world),
                                  reset: PushTRobotReset(world: world, settings: settings),
                                  featureSources: [world], clock: clock)
        await #expect(throws: StationError.self) {
            _ = try await station.runEpisode(policy: PushTHeuristicExpert(), seed: 77, maxSteps: 10)
        }
        let health = await station.currentHealth
        #expect(health.paused && health.resetFailures == 1)
        #expect(health.pauseReason?.contains("budget") == true, "\(health.pauseReason ?? "")")
        #expect(health.episodes == 0, "no episode may start from an unverified scene")
    }

    @Test func aStationRunsBackToBackEpisodesWithRobotResets() async throws {
        let world = PushTWorld()
        let clock = SimulatedClock()
        let station = try Station(configuration: .init(name: "s", task: "pusht"),
                                  arms: [PushTPusherArm(world: world, clock: clock)],
                                  reward: PushTCoverageReward(world: world), reset: PushTRobotReset(world: world),
                                  featureSources: [world], clock: clock)
        for seed in [UInt64(3), 4] {
            let episode = try await station.runEpisode(policy: PushTHeuristicExpert(), seed: seed, maxSteps: 300)
            #expect(episode.summary.reset?.verified == true)
        }
        let health = await station.currentHealth
        #expect(health.resetSeconds > 0 && health.episodeSeconds > 0 && health.resetFailures == 0)
    }
}
