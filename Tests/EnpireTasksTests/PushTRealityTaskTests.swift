import Enpire
import EnpireSim
import Foundation
import Testing
@testable import EnpireTasks

/// The Push-T research task under a reality: options load presets, evaluators live in the held-out reality.
@Suite("Push-T research task under a reality")
struct PushTRealityTaskTests {
    @Test func optionsLoadRealitiesAndRefuseBadOnes() throws {
        let task = try #require(try PushTResearchTask().configured(["reality": "mild", "held-out-reality": "harsh"])
            as? PushTResearchTask)
        #expect(task.reality == .mild && task.heldOutReality == .harsh && task.isPerturbed)
        #expect(task.space == PushTPlannerRecipes.robustSpace)
        #expect(task.criteria.task.parameters["heldOutReality"] == "harsh")
        // Clean keeps the frozen criteria and space of the unperturbed task.
        let clean = try #require(try PushTResearchTask().configured(["reality": "clean"]) as? PushTResearchTask)
        #expect(!clean.isPerturbed && clean.criteria == PushTResearchTask().criteria)
        #expect(clean.space == PushTPlannerRecipes.space)
        #expect(throws: (any Error).self) { try PushTResearchTask().configured(["reality": "bogus"]) }
    }

    @Test("a campaign under a reality scores its learned selector under the held-out reality and under clean")
    func learnedFollowUpsUnderAReality() {
        let task = PushTResearchTask(reality: .mild, heldOutReality: .harsh)
        let followUps = PushTCampaign.realityLearnedSelector(task: task, rounds: 1, episodesPerRound: 3)
        #expect(followUps.map(\.name) == ["learned policy under harsh", "learned policy under clean"])
        // Without a separate held-out reality the evaluators live in the research reality.
        let same = PushTCampaign.realityLearnedSelector(task: PushTResearchTask(reality: .mild), rounds: 1,
                                                        episodesPerRound: 3)
        #expect(same.map(\.name) == ["learned policy under mild", "learned policy under clean"])
    }

    @Test func evaluatorStationsLiveInTheHeldOutReality() async throws {
        // The tuned recipe of Docs/LearnedPolicies.md: it succeeds on clean starts, so step counts tell worlds apart.
        let recipe = Recipe(family: PushTPlannerRecipes.family, parameters: [
            "contactsPerEdge": 1, "pushDistanceCount": 6, "pushDistanceMin": 5.5054, "pushDistanceMax": 57.29,
            "angleWeight": 86.08, "coverageWeight": 33.83, "stepPenalty": 0.8889, "targetCoverage": 0.9505])
        let task = PushTResearchTask(reality: .clean, heldOutReality: .harsh)
        let policy = try task.policy(for: recipe)
        // Same seed, same policy: the research (clean) station and a plain clean station agree; the evaluator
        // (harsh) one differs.
        let seed: UInt64 = 8_000_123
        let research = try await task.makeStation(role: .research(index: 0), name: "r")
            .runEpisode(policy: policy, seed: seed, split: "test").steps
        let plain = try await PushTResearchTask().makeStation(role: .research(index: 0), name: "p")
            .runEpisode(policy: policy, seed: seed, split: "test").steps
        let evaluator = try await task.makeStation(role: .evaluation(lane: 0), name: "e")
            .runEpisode(policy: policy, seed: seed, split: "test").steps
        #expect(research == plain && plain < 300)
        #expect(evaluator != plain)
    }
}
