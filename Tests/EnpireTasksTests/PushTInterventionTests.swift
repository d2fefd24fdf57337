import Enpire
import EnpireLearning
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

    @Test("RLPD: the scripted person's steps fill the demonstration buffer with the person's targets (HIL-SERL)")
    func interventionsFeedTheRLPDBuffers() async throws {
        let study = Self.study()
        let episodes = try await study.collect(model: try study.fit([]), seeds: [300_000])
        // Observation: gym-pusht's state (agent x, y; block x, y, angle; privileged exact state) scaled to about
        // [-1, 1]; action: the pusher's target in [-1, 1] over the 512-pixel world.
        let world = PushTGeometry.worldSize
        let replay = InterventionReplay(
            observation: { step in
                let state = step.features[PushTFeatures.state] ?? [0, 0, 0, 0, 0]
                return state.enumerated().map { Float($0 == 4 ? $1 / Double.pi : $1 / world * 2 - 1) }
            },
            action: { commands in
                guard let target = commands.first?.target, target.count == 2 else { return nil }
                return target.map { Float($0 / world * 2 - 1) }
            },
            commands: .requested)
        var online = try ReplayBuffer(observationWidth: 5, actionWidth: 2, capacity: 1_000)
        var demonstrations = try ReplayBuffer(observationWidth: 5, actionWidth: 2, capacity: 1_000)
        let counts = try replay.fill(online: &online, demonstrations: &demonstrations, from: episodes)
        let steps = try #require(episodes.first?.steps)
        let human = steps.enumerated().filter { $0.element.source == .human }
        #expect(!human.isEmpty && counts.humanSteps == human.count)
        // Every person step with a successor (or ending in success) is a demonstration, in order.
        let usable = human.filter { $0.offset + 1 < steps.count || $0.element.success == true }
        #expect(counts.demonstrationTransitions == usable.count && demonstrations.count == usable.count)
        #expect(counts.onlineTransitions == online.count)
        var differsFromPolicy = 0
        for (row, (_, step)) in usable.enumerated() {
            let transition = try #require(demonstrations.transition(at: row))
            let target = step.requested[0].target.map { Float($0 / world * 2 - 1) }
            #expect(zip(transition.action, target).allSatisfy { abs($0 - $1) < 1e-5 }, "row \(row)")
            if let asked = step.policyRequested?.first?.target.map({ Float($0 / world * 2 - 1) }),
               zip(transition.action, asked).contains(where: { abs($0 - $1) > 1e-3 }) { differsFromPolicy += 1 }
        }
        #expect(differsFromPolicy > 0, "the demonstrations hold the person's targets, not the policy's")
        // The buffers are what SoftActorCritic's symmetric sampling consumes.
        var configuration = SACConfiguration()
        configuration.actorHiddenWidths = [16]
        configuration.criticHiddenWidths = [16]
        configuration.batchSize = 16
        let learner = try SoftActorCritic(observationWidth: 5, actionWidth: 2, configuration: configuration)
        let metrics = try learner.update(online: online, demonstrations: demonstrations)
        #expect(metrics.criticLoss.isFinite)
    }

    @Test("held-out seeds that overlap the training seeds are refused")
    func overlappingSeedsRefused() {
        var configuration = PushTInterventionStudy.Configuration()
        configuration.heldOutFirstSeed = configuration.interventionFirstSeed
        #expect(throws: PushTLearningError.self) { try configuration.validate() }
    }
}
