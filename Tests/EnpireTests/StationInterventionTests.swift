import Enpire
import EnpireTesting
import Foundation
import Testing

/// A policy that always heads for (0.8, 0.8); at `interventionStep` a person corrects it through
/// `Station.send` while the policy is still choosing its command.
private struct CorrectedPolicy: Policy {
    let station: Station
    let interventionStep: Int
    let correction: [ArmCommand]
    let source: ActionSource
    var name: String { "corrected" }
    mutating func action(for observation: Observation) async throws -> [ArmCommand] {
        if observation.stepIndex == interventionStep { try await station.send(correction, source: source) }
        return [.moveTo([0.8, 0.8])]
    }
}

@Suite("Station interventions")
struct StationInterventionTests {
    @Test("a command sent while the policy chooses its step takes the step over and is recorded with its source",
          arguments: [ActionSource.human, .script])
    func sendDuringPolicyStepIsRecorded(source: ActionSource) async throws {
        let clock = SimulatedClock()
        let arm = MockArm.planar(clock: clock)
        let folder = try LedgerFixtures.temporaryFolder("interventions")
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try EpisodeStore(root: folder)
        let station = try Station(configuration: .init(name: "s", task: "reach"), arms: [arm], recorder: store,
                                  clock: clock)
        // Sent outside an episode: applied, recorded in no episode.
        try await station.send([.moveTo([0.5, 0.4])], source: .human)
        let correction: [ArmCommand] = [.moveTo([0.2, 0.3])]
        let policy = CorrectedPolicy(station: station, interventionStep: 2, correction: correction, source: source)
        let episode = try await station.runEpisode(policy: policy, maxSteps: 4)

        #expect(episode.steps.map(\.source) == [.policy, .policy, source, .policy])
        let taken = episode.steps[2]
        #expect(taken.requested == correction)
        #expect(taken.applied == correction)
        #expect(taken.policyRequested == [.moveTo([0.8, 0.8])])
        #expect(episode.steps.filter { $0.index != 2 }.allSatisfy { $0.policyRequested == nil })
        // The correction, not the policy's command, drove the arm for that control period.
        let policyMove = ArmCommand.moveTo([0.8, 0.8])
        #expect(await arm.received == [.moveTo([0.5, 0.4]), policyMove, policyMove, correction[0], policyMove])
        // The record on disk says the same, so a DAgger/BC loader can tell the intervention from policy steps.
        let loaded = try store.load(episode.summary.metadata.id)
        #expect(loaded.steps == episode.steps)
        #expect(loaded.steps.filter { $0.source != .policy }.map(\.index) == [2])
    }

    @Test("a command sent after the policy's command, within the same control period, supersedes it in the record")
    func sendLaterInTheControlPeriodIsRecorded() async throws {
        let clock = ManualClock()
        let arm = MockArm.planar(clock: clock)
        let envelope = try SafetyEnvelope(specification: arm.specification, maxStep: 0.1)
        let station = try Station(configuration: .init(name: "s", task: "reach"), arms: [arm], safety: [envelope],
                                  clock: clock)
        let episode = Task { try await station.runEpisode(policy: ReachPolicy(target: [[0.9, 0.9]]), maxSteps: 2) }
        // Step 0: the policy's command went out (step-limited toward 0.9) and the loop waits for the period end.
        #expect(await clock.waitForSleepers(1))
        let (applied, interventions) = try await station.send([.moveTo([0.52, 0.55])], source: .human)
        #expect(interventions.isEmpty, "within the step limit of where the policy put the arm")
        clock.advance(bySeconds: 0.1)
        #expect(await clock.waitForSleepers(1))
        clock.advance(bySeconds: 0.1)
        let steps = try await episode.value.steps

        #expect(steps.map(\.source) == [.human, .policy])
        #expect(steps[0].requested == [.moveTo([0.52, 0.55])])
        #expect(steps[0].applied == applied)
        #expect(steps[0].policyRequested == [.moveTo([0.9, 0.9])])
        // The policy's own command was sent first and step-limited; that intervention stays on the step.
        #expect(steps[0].interventions.map(\.kind) == [.stepLimited])
        #expect(await arm.received.count == 3)
        #expect(steps[1].policyRequested == nil)
    }
}
