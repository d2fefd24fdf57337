import Enpire
import EnpireSim
@testable import EnpireTasks
import Testing

@Suite("Push-T interventions")
struct PushTInterventionTests {
    /// A small primitive library and network, so the test runs in seconds.
    static func study() -> PushTInterventionStudy {
        var configuration = PushTInterventionStudy.Configuration()
        configuration.learner.library = PushTPlannerParameters(contactsPerEdge: 1, pushDistanceCount: 2)
        configuration.learner.hiddenWidths = [16]
        configuration.learner.minimumUpdates = 20
        configuration.learner.epochs = 1
        configuration.maxSteps = 80
        configuration.stallSteps = 5
        return PushTInterventionStudy(configuration: configuration)
    }

    @Test("the scripted person's steps are recorded as human, counted, labelled in the policy's primitives and aggregated")
    func interventionsAreRecordedAndAggregated() async throws {
        let study = Self.study()
        let weak = try study.fit([])  // untrained: a policy that strays
        let episodes = try await study.collect(model: weak, seeds: [300_000])
        let steps = episodes.flatMap(\.steps)
        let human = steps.filter { $0.source == .human }
        #expect(!human.isEmpty)
        #expect(steps.contains { $0.source == .policy })
        // Every person step kept what the policy had asked for, and the summary counts them.
        #expect(human.allSatisfy { $0.policyRequested != nil })
        let summary = try #require(episodes.first?.summary.interventions)
        #expect(summary.steps == human.count)
        #expect(summary.count >= 1)

        let labels = try PushTInterventionLabels(library: study.configuration.learner.library).label(episodes)
        #expect(labels.humanSteps == human.count)
        #expect(labels.matchedSteps + labels.unmatchedSteps == human.count)
        #expect(!labels.decisions.isEmpty)
        // Reading the exact state, the person's primitives are recovered exactly (nothing left unmatched).
        #expect(labels.unmatchedSteps == 0)
        for decision in labels.decisions {
            #expect(decision.target.reduce(0, +) == 1)
            #expect(decision.target[decision.best] == 1)
        }
        // The aggregate the policy is retrained on holds the labelled decisions.
        let retrained = try study.fit(labels.decisions)
        #expect(retrained.metrics["samples"] == Double(labels.decisions.count))
    }

    @Test("the labeller reads only human steps: an episode the policy drove alone yields nothing")
    func policyStepsAreNotLabelled() async throws {
        let study = Self.study()
        var episodes = try await study.collect(model: try study.fit([]), seeds: [300_001])
        for index in episodes[0].steps.indices { episodes[0].steps[index].source = .policy }
        let labels = try PushTInterventionLabels(library: study.configuration.learner.library).label(episodes)
        #expect(labels.decisions.isEmpty)
        #expect(labels.humanSteps == 0)
    }

    @Test("held-out seeds that overlap the training seeds are refused")
    func overlappingSeedsRefused() {
        var configuration = PushTInterventionStudy.Configuration()
        configuration.heldOutFirstSeed = configuration.interventionFirstSeed
        #expect(throws: PushTLearningError.self) { try configuration.validate() }
    }
}
