import Enpire
import EnpireReset
import EnpireSim
import Foundation
import Testing

@Suite("PushTRobotReset")
struct PushTRobotResetTests {
    @Test(arguments: [7, 9, 4])
    func putsAJammedOrExpertEndStateBackThroughAStation(index: Int) async throws {
        // Cases 7 and 9 shove the T against a wall or into a corner; case 4 stops the expert mid-episode.
        let result = try await PushTResetStudy.runCase(index: index, firstSeed: 0)
        #expect(result.scenario == (index == 4 ? .expert : .jammed))
        #expect(result.verified, "\(result.reason ?? "")")
        #expect(!result.stationPaused)
        #expect(result.seconds > 0 && result.seconds < 60)
    }

    @Test func groundTruthVerifierMeasuresAgainstTheTargetState() async throws {
        let seed: UInt64 = 2_000_000
        let target = PushTRobotReset.targetState(seed: seed).state
        let world = PushTWorld()
        await world.place(target)
        let verifier = PushTGroundTruthVerifier(world: world)
        let context = ResetContext(arms: [], cameras: [], seed: seed, clock: SimulatedClock())
        #expect(try await verifier.verify(context).passed)
        var moved = target
        moved.blockX += 12
        moved.blockAngle += 0.15
        await world.place(moved)
        let check = try await verifier.verify(context)
        #expect(!check.passed)
        #expect(check.reason?.contains("block 12.0 px") == true)
        #expect(check.reason?.contains("block angle off by 0.15 rad") == true)
    }

    @Test func impossibleToleranceEndsUnverifiedAndPausesTheStation() async throws {
        let world = PushTWorld()
        await world.reset(seed: 1)
        let clock = SimulatedClock()
        let arm = PushTPusherArm(world: world, clock: clock)
        // A budget of 3 robot seconds cannot carry the T anywhere: the reset must give up, not start badly.
        let reset = try PushTRobotReset(world: world, timeBudgetSeconds: 3)
        let station = try Station(configuration: .init(name: "pusht", task: "pusht"), arms: [arm], reset: reset,
                                  featureSources: [world], clock: clock)
        await #expect(throws: StationError.self) {
            _ = try await station.runEpisode(policy: PushTHeuristicExpert(), seed: 2_000_001, maxSteps: 3)
        }
        let health = await station.currentHealth
        #expect(health.paused && health.resetFailures == 1)
        #expect(health.pauseReason?.contains("time budget of 3.0 s exhausted") == true)
        #expect(reset.statistics.failures == 1)
        #expect(clock.now() < 3.2)
    }

    @Test func agentTargetMovesOutOfTheTOnlyWhenGymPushtDrawsThemOverlapping() {
        // Seed 2000013 draws the agent inside the T's stem; seed 2000000 does not.
        let overlapping = PushTRobotReset.targetState(seed: 2_000_013)
        #expect(overlapping.agentAdjustmentPixels > 0 && overlapping.agentAdjustmentPixels < 30)
        let clear = PushTRobotReset.targetState(seed: 2_000_000)
        #expect(clear.agentAdjustmentPixels == 0)
        #expect(clear.state == PushTRobotReset.startState(seed: 2_000_000))
    }

    @Test(.enabled(if: ProcessInfo.processInfo.environment["ENPIRE_SLOW"] == "1"))
    func fiveHundredEndStatesResetAtLeast99PercentVerified() async throws {
        let report = try await PushTResetStudy.run(cases: 500)
        #expect(report.verifiedRate >= 0.99)
        #expect(report.everyFailureExplained)
    }
}
