import Enpire
import EnpireReset
import EnpireTesting
import Testing

@Suite("EscalatingReset")
struct EscalatingResetTests {
    private func context(_ arm: MockArm, clock: SimulatedClock, seed: UInt64 = 7) throws -> ResetContext {
        try ResetContext(arms: [arm], cameras: [], seed: seed, clock: clock)
    }

    @Test func verificationFailureRetriesThenEscalatesThenGivesUpWithReason() async throws {
        let clock = SimulatedClock()
        let arm = MockArm.planar(clock: clock)
        let log = AttemptLog()
        let verifier = ScriptedVerifier([false])
        let reset = try EscalatingReset(
            name: "test",
            stages: [.init(RecordingStrategy(name: "primary", periods: 3, log: log), attempts: 2),
                     .init(RecordingStrategy(name: "fallback", periods: 5, log: log), attempts: 1)],
            verifier: verifier, timeBudgetSeconds: 100)
        let outcome = try await reset.reset(context(arm, clock: clock))
        #expect(!outcome.verified)
        #expect(outcome.attempts == 3)
        #expect(log.all == ["primary", "primary", "fallback"])
        #expect(verifier.callCount == 3)
        let reason = try #require(outcome.reason)
        #expect(reason.contains("all 3 attempts failed verification"))
        #expect(reason.contains("object not at its start pose"))
        #expect(abs(outcome.elapsedSeconds - 1.1) < 1e-9)
        #expect(await arm.received.count == 11)
        let stats = reset.statistics
        #expect(stats.resets == 1 && stats.failures == 1 && stats.verified == 0 && stats.attempts == 3)
        #expect(stats.attemptsByStrategy == ["primary": 2, "fallback": 1])
        #expect(stats.failureReasons["verification"] == 3)
        #expect(stats.failureReasons["attempts exhausted"] == 1)
        #expect(stats.lastFailureReason == reason)
    }

    @Test func retrySucceedsOnTheSecondAttempt() async throws {
        let clock = SimulatedClock()
        let log = AttemptLog()
        let reset = try EscalatingReset(
            name: "test", stages: [.init(RecordingStrategy(name: "primary", periods: 2, log: log), attempts: 2),
                                   .init(RecordingStrategy(name: "fallback", periods: 2, log: log))],
            verifier: ScriptedVerifier([false, true]), timeBudgetSeconds: 100)
        let outcome = try await reset.reset(context(MockArm.planar(clock: clock), clock: clock))
        #expect(outcome.verified && outcome.attempts == 2 && outcome.strategy == "primary")
        #expect(outcome.reason?.contains("attempt 1 (primary) verification") == true)
        #expect(log.all == ["primary", "primary"])
        #expect(reset.statistics.verifiedByStrategy == ["primary": 1])
    }

    @Test func escalationSucceedsWithTheFallback() async throws {
        let clock = SimulatedClock()
        let log = AttemptLog()
        let reset = try EscalatingReset(
            name: "test", stages: [.init(RecordingStrategy(name: "primary", periods: 2, log: log), attempts: 2),
                                   .init(RecordingStrategy(name: "fallback", periods: 2, log: log))],
            verifier: ScriptedVerifier([false, false, true]), timeBudgetSeconds: 100)
        let outcome = try await reset.reset(context(MockArm.planar(clock: clock), clock: clock))
        #expect(outcome.verified && outcome.attempts == 3 && outcome.strategy == "fallback")
        #expect(log.all == ["primary", "primary", "fallback"])
    }

    @Test func armFaultCountsAsAFailedAttemptAndEscalates() async throws {
        let clock = SimulatedClock()
        let log = AttemptLog()
        let reset = try EscalatingReset(
            name: "test",
            stages: [.init(RecordingStrategy(name: "primary", periods: 2, log: log, failure: "gripper jammed"),
                           attempts: 1),
                     .init(RecordingStrategy(name: "fallback", periods: 2, log: log))],
            verifier: ScriptedVerifier([true]), timeBudgetSeconds: 100)
        let outcome = try await reset.reset(context(MockArm.planar(clock: clock), clock: clock))
        #expect(outcome.verified && outcome.strategy == "fallback")
        #expect(outcome.reason?.contains("gripper jammed") == true)
        #expect(reset.statistics.failureReasons["strategy error"] == 1)
    }

    @Test func timeBudgetExhaustionIsReported() async throws {
        let clock = SimulatedClock(start: 50)
        let log = AttemptLog()
        // Each attempt wants 3 s; the budget is 5 s, so the second attempt is cut off by the deadline.
        let reset = try EscalatingReset(
            name: "test", stages: [.init(RecordingStrategy(name: "slow", periods: 30, log: log), attempts: 5)],
            verifier: ScriptedVerifier([false]), timeBudgetSeconds: 5)
        let outcome = try await reset.reset(context(MockArm.planar(clock: clock), clock: clock))
        #expect(!outcome.verified)
        #expect(outcome.attempts == 2)
        #expect(outcome.elapsedSeconds >= 5 && outcome.elapsedSeconds < 5.2)
        let reason = try #require(outcome.reason)
        #expect(reason.contains("time budget of 5.0 s exhausted after 2 attempts"))
        #expect(reason.contains("reached its deadline"))
        #expect(reset.statistics.failureReasons["time budget"] == 1)
    }

    @Test func invalidConfigurationIsRejectedWithAMessage() throws {
        let log = AttemptLog()
        #expect(throws: ResetStrategyError.self) {
            try EscalatingReset(name: "x", stages: [], verifier: ScriptedVerifier([true]), timeBudgetSeconds: 1)
        }
        #expect(throws: ResetStrategyError.self) {
            try EscalatingReset(name: "x", stages: [.init(RecordingStrategy(name: "a", periods: 1, log: log))],
                                verifier: ScriptedVerifier([true]), timeBudgetSeconds: .nan)
        }
    }

    @Test func statisticsQuantilesUseNearestRank() {
        var stats = ResetStatistics()
        #expect(stats.durationQuantile(0.5) == nil)
        stats.durationsSeconds = [4, 1, 3, 2]
        #expect(stats.durationQuantile(0.5) == 2)
        #expect(stats.durationQuantile(0.95) == 4)
    }
}
