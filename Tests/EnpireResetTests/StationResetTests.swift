import Enpire
import EnpireReset
import EnpireTesting
import Testing

@Suite("Station with verified resets")
struct StationResetTests {
    @Test func failingResetPausesTheStationWhichRefusesUntilResumed() async throws {
        let clock = SimulatedClock()
        let arm = MockArm.planar(clock: clock)
        let log = AttemptLog()
        let verifier = ScriptedVerifier([false, false, false, true])
        let reset = try EscalatingReset(
            name: "bin", stages: [.init(RecordingStrategy(name: "primary", periods: 4, log: log), attempts: 2),
                                  .init(RecordingStrategy(name: "fallback", periods: 6, log: log), attempts: 1)],
            verifier: verifier, timeBudgetSeconds: 30)
        let station = try Station(configuration: .init(name: "s", task: "bin"), arms: [arm], reset: reset,
                                  clock: clock)

        await #expect(throws: StationError.self) {
            _ = try await station.runEpisode(policy: HoldPolicy(), seed: 3, maxSteps: 5)
        }
        var health = await station.currentHealth
        #expect(health.paused)
        #expect(health.pauseReason?.contains("all 3 attempts failed verification") == true)
        #expect(health.resetFailures == 1 && health.resetAttempts == 3 && health.episodes == 0)
        #expect(abs(health.resetSeconds - 1.4) < 1e-9)

        // Paused: refuses without touching the reset or the arm.
        let commandsBefore = await arm.received.count
        do {
            _ = try await station.runEpisode(policy: HoldPolicy(), seed: 3, maxSteps: 5)
            Issue.record("a paused station ran an episode")
        } catch let error as StationError {
            guard case .paused = error else { Issue.record("expected .paused, got \(error)"); return }
        }
        #expect(verifier.callCount == 3)
        #expect(await arm.received.count == commandsBefore)

        await station.resume()
        let episode = try await station.runEpisode(policy: HoldPolicy(), seed: 3, maxSteps: 5)
        #expect(episode.summary.reset?.verified == true)
        #expect(episode.summary.reset?.strategy == "primary")
        health = await station.currentHealth
        #expect(!health.paused && health.episodes == 1)
        #expect(health.resetAttempts == 4 && health.resetFailures == 1)
        #expect(reset.statistics.resets == 2 && reset.statistics.verified == 1 && reset.statistics.failures == 1)
    }
}
