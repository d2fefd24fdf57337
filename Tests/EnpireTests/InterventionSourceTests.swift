import Enpire
import EnpireTesting
import Foundation
import Testing

/// A person who holds steps `held` and sends (0.2, 0.3) then.
private struct ScheduledPerson: InterventionSource {
    let held: Set<Int>
    var began = 0
    mutating func beginEpisode() async throws { began += 1 }
    mutating func commands(for observation: Observation, policyRequested: [ArmCommand]) async throws -> [ArmCommand]? {
        held.contains(observation.stepIndex) ? [.moveTo([0.2, 0.3])] : nil
    }
}

@Suite("Intervention sources")
struct InterventionSourceTests {
    @Test("a held intervention replaces the policy's command, passes the envelope and is recorded as human")
    func heldStepsAreRecordedAsHuman() async throws {
        let clock = SimulatedClock()
        let arm = MockArm.planar(clock: clock)
        let envelope = try SafetyEnvelope(specification: arm.specification, maxStep: 0.1)
        let folder = try LedgerFixtures.temporaryFolder("intervention-source")
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try EpisodeStore(root: folder)
        let station = try Station(configuration: .init(name: "s", task: "reach"), arms: [arm], safety: [envelope],
                                  recorder: store, clock: clock)
        let episode = try await station.runEpisode(policy: ReachPolicy(target: [[0.5, 0.5]]), maxSteps: 7,
                                                   interventions: ScheduledPerson(held: [1, 2, 5]))

        #expect(episode.steps.map(\.source) == [.policy, .human, .human, .policy, .policy, .human, .policy])
        #expect(episode.summary.interventions == InterventionSummary(count: 2, steps: 3))
        for step in episode.steps where step.source == .human {
            #expect(step.requested == [.moveTo([0.2, 0.3])])
            #expect(step.policyRequested == [.moveTo([0.5, 0.5])])
        }
        // The person's command went through the same envelope: (0.2, 0.3) is more than 0.1 from (0.5, 0.5).
        #expect(episode.steps[1].interventions.map(\.kind) == [.stepLimited])
        #expect(episode.steps[1].applied != episode.steps[1].requested)
        #expect(episode.steps.filter { $0.source == .policy }.allSatisfy { $0.policyRequested == nil })
        // On disk too, summary included.
        let loaded = try store.load(episode.summary.metadata.id)
        #expect(loaded.steps == episode.steps)
        #expect(loaded.summary.interventions == InterventionSummary(count: 2, steps: 3))
    }

    @Test("without an intervention source nothing changes: policy steps only, no intervention summary")
    func noSourceNoChange() async throws {
        let clock = SimulatedClock()
        let arm = MockArm.planar(clock: clock)
        let station = try Station(configuration: .init(name: "s", task: "reach"), arms: [arm], clock: clock)
        let episode = try await station.runEpisode(policy: ReachPolicy(target: [[0.5, 0.5]]), maxSteps: 3)
        #expect(episode.steps.allSatisfy { $0.source == .policy })
        #expect(episode.summary.interventions == nil)
        // A source that never holds leaves the steps alone and counts zero.
        let quiet = try await station.runEpisode(policy: ReachPolicy(target: [[0.5, 0.5]]), maxSteps: 3,
                                                 interventions: ScheduledPerson(held: []))
        #expect(quiet.steps.allSatisfy { $0.source == .policy })
        #expect(quiet.summary.interventions == InterventionSummary(count: 0, steps: 0))
    }
}
