import Enpire
import EnpireReset
import EnpireTesting
import Foundation
import Testing

/// A reset step only a person can do says so through the ladder's outcome.
@Suite struct OperatorStepTests {
    private func context(_ clock: SimulatedClock) throws -> ResetContext {
        try ResetContext(arms: [MockArm.planar(clock: clock)], cameras: [], seed: 3, clock: clock)
    }

    @Test func escalatingToAPersonIsRecordedOnTheOutcome() async throws {
        let clock = SimulatedClock()
        let log = AttemptLog()
        let person = OperatorStep(name: "by-hand", instruction: "put the part back in its fixture") { _, _ in
            log.append("by-hand")
        }
        #expect(person.operatorInstruction == "put the part back in its fixture")
        let reset = try EscalatingReset(
            name: "test", stages: [.init(RecordingStrategy(name: "robot", periods: 2, log: log), attempts: 1),
                                   .init(person, attempts: 1)],
            verifier: ScriptedVerifier([false, true]), timeBudgetSeconds: 100)
        let outcome = try await reset.reset(context(clock))
        #expect(outcome.verified && outcome.strategy == "by-hand")
        #expect(outcome.operatorAction == "put the part back in its fixture")
        #expect(log.all == ["robot", "by-hand"])
        // Encoded with the episode; an outcome without it decodes as before.
        let decoded = try JSONDecoder().decode(ResetOutcome.self, from: JSONEncoder().encode(outcome))
        #expect(decoded == outcome)
        let old = #"{"verified":true,"attempts":1,"elapsedSeconds":0,"strategy":"teleport"}"#
        #expect(try JSONDecoder().decode(ResetOutcome.self, from: Data(old.utf8)).operatorAction == nil)
    }

    @Test func aLadderThatNeverReachesThePersonNeedsNoOperator() async throws {
        let clock = SimulatedClock()
        let log = AttemptLog()
        let reset = try EscalatingReset(
            name: "test", stages: [.init(RecordingStrategy(name: "robot", periods: 2, log: log), attempts: 1),
                                   .init(OperatorStep(name: "by-hand", instruction: "fix it") { _, _ in }, attempts: 1)],
            verifier: ScriptedVerifier([true]), timeBudgetSeconds: 100)
        let outcome = try await reset.reset(context(clock))
        #expect(outcome.verified && outcome.strategy == "robot" && outcome.operatorAction == nil)
    }
}
