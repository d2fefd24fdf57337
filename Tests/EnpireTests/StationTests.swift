import Enpire
import EnpireTesting
import Testing

/// A policy that walks toward a fixed target by a fixed step (so the safety step limit has work to do).
struct ReachPolicy: Policy {
    var target: [[Double]]
    var name: String { "reach" }
    mutating func action(for observation: Observation) async throws -> [ArmCommand] {
        target.map { .moveTo($0) }
    }
}

/// Success once arm 0 is within 0.01 of `goal`.
private struct ReachReward: RewardFunction {
    var goal: [Double]
    var identity: String { "reach" }
    func evaluate(_ context: EpisodeContext) async throws -> Verdict {
        let p = context.observation.arms[0].position
        let d = zip(p, goal).map { ($0 - $1) * ($0 - $1) }.reduce(0, +).squareRoot()
        return Verdict(success: d < 0.01, score: max(0, 1 - d), status: d < 0.01 ? .confirmedPass : .likelyFail)
    }
}

private struct FailingReset: ResetRoutine {
    var identity: String { "failing" }
    func reset(_ context: ResetContext) async throws -> ResetOutcome {
        ResetOutcome(verified: false, attempts: 3, elapsedSeconds: 2, reason: "object not found", strategy: "test")
    }
}

@Suite("Station")
struct StationTests {
    @Test func recordsRequestedAndAppliedCommandsAndStopsOnSuccess() async throws {
        let clock = SimulatedClock()
        let arm = MockArm.planar(clock: clock)
        let envelope = try SafetyEnvelope(specification: arm.specification, maxStep: 0.1)
        let station = try Station(configuration: .init(name: "s1", task: "reach"), arms: [arm],
                                  cameras: [MockCamera.testPattern(clock: clock)], safety: [envelope],
                                  reward: ReachReward(goal: [0.9, 0.9]), clock: clock)
        let episode = try await station.runEpisode(policy: ReachPolicy(target: [[0.9, 0.9]]), seed: 1, maxSteps: 50)
        #expect(episode.summary.status == .complete)
        #expect(episode.summary.verdict?.success == true)
        // From (0.5, 0.5) at 0.1 per step: about 0.566 to go, so 6 steps, then success stops the episode.
        #expect(episode.steps.count == 6)
        let first = try #require(episode.steps.first)
        #expect(first.requested == [.moveTo([0.9, 0.9])])
        #expect(first.applied[0].target != first.requested[0].target)
        #expect(first.interventions.map(\.kind) == [.stepLimited])
        #expect(first.source == .policy)
        #expect(abs(episode.summary.durationSeconds - 0.6) < 1e-9, "robot time = steps x period")
        let health = await station.currentHealth
        #expect(health.episodes == 1 && health.successes == 1 && health.steps == 6)
        // The last move (about 0.066) is within the 0.1 step limit.
        #expect(health.interventions["stepLimited"] == 5)
    }

    @Test func armFaultAbortsTheEpisodeAndHolds() async throws {
        let arm = MockArm.planar()
        await arm.failSend(after: 3, message: "joint 2 overcurrent")
        let station = try Station(configuration: .init(name: "s", task: "t"), arms: [arm], clock: SimulatedClock())
        let episode = try await station.runEpisode(policy: ReachPolicy(target: [[0.6, 0.6]]), maxSteps: 20)
        #expect(episode.summary.status == .aborted)
        #expect(episode.summary.reason?.contains("overcurrent") == true)
        #expect(episode.steps.count == 3)
        #expect(await arm.received.last == .hold)
    }

    @Test func emergencyStopLatchesUntilCleared() async throws {
        let arm = MockArm.planar()
        let station = try Station(configuration: .init(name: "s", task: "t"), arms: [arm], clock: SimulatedClock())
        await station.emergencyStop()
        #expect(await arm.stopCount == 1)
        await #expect(throws: StationError.emergencyStopLatched) {
            _ = try await station.runEpisode(policy: ReachPolicy(target: [[0.6, 0.6]]), maxSteps: 5)
        }
        let (applied, records) = try await station.send([.moveTo([0.7, 0.7])], source: .human)
        #expect(applied == [.hold])
        #expect(records.first?.kind == .emergencyStop)
        #expect(await arm.received.isEmpty, "nothing reaches the arm while the e-stop is latched, not even a hold")
        await station.clearEmergencyStop()
        let episode = try await station.runEpisode(policy: ReachPolicy(target: [[0.6, 0.6]]), maxSteps: 5)
        #expect(episode.summary.status == .complete)
    }

    @Test func failedResetPausesTheStation() async throws {
        let station = try Station(configuration: .init(name: "s", task: "t"), arms: [MockArm.planar()],
                                  reset: FailingReset(), clock: SimulatedClock())
        await #expect(throws: StationError.resetFailed(reason: "object not found")) {
            _ = try await station.runEpisode(policy: ReachPolicy(target: [[0.6, 0.6]]), maxSteps: 5)
        }
        let health = await station.currentHealth
        #expect(health.paused && health.resetFailures == 1 && health.resetAttempts == 3)
        await #expect(throws: StationError.self) {
            _ = try await station.runEpisode(policy: ReachPolicy(target: [[0.6, 0.6]]), maxSteps: 5)
        }
    }

    @Test func bimanualStationCommandsBothArmsAndRefusesShortActions() async throws {
        let left = MockArm.planar(name: "left"), right = MockArm.planar(name: "right")
        let station = try Station(configuration: .init(name: "bi", task: "t"), arms: [left, right], clock: SimulatedClock())
        let both = try await station.runEpisode(policy: ReachPolicy(target: [[0.2, 0.2], [0.8, 0.8]]), maxSteps: 2)
        #expect(both.steps[0].applied.map(\.target) == [[0.2, 0.2], [0.8, 0.8]])
        let short = try await station.runEpisode(policy: ReachPolicy(target: [[0.3, 0.3]]), maxSteps: 1)
        #expect(short.steps[0].applied[1].mode == .hold)
        #expect(short.steps[0].interventions.contains { $0.kind == .invalidCommand && $0.armIndex == 1 })
    }

    /// The watchdog check: no command for longer than the timeout -> hold within one control period.
    @Test func watchdogHoldsWithinOneControlPeriod() async throws {
        let clock = ManualClock()
        let arm = MockArm.planar(clock: clock)
        let station = try Station(configuration: .init(name: "s", task: "t", watchdogTimeoutSeconds: 0.4),
                                  arms: [arm], clock: clock)
        try await station.send([.moveTo([0.6, 0.6])], source: .human)
        let watchdog = Task { await station.runWatchdog() }
        defer { watchdog.cancel() }
        // Tick the clock one control period (0.1 s) at a time; the hold must come at the first tick past 0.4 s.
        var holdAt: Double?
        for _ in 0..<10 {
            #expect(await clock.waitForSleepers(1))
            clock.advance(bySeconds: 0.1)
            for _ in 0..<50 where await arm.received.last != .hold { await Task.yield() }
            if await arm.received.last == .hold { holdAt = clock.now(); break }
        }
        let at = try #require(holdAt, "the watchdog never commanded a hold")
        #expect(at > 0.4 && at <= 0.4 + 0.1 + 1e-9, "hold at \(at) s")
        #expect(await station.currentHealth.interventions["watchdogHold"] == 1)
    }

    @Test func manualClockWakesSleepersOnlyWhenAdvanced() async throws {
        let clock = ManualClock()
        let woke = Task { try await clock.sleep(untilSeconds: 1); return clock.now() }
        #expect(await clock.waitForSleepers(1))
        clock.advance(bySeconds: 0.5)
        #expect(clock.sleeperCount == 1)
        clock.advance(bySeconds: 0.6)
        #expect(try await woke.value == 1.1)
    }
}
