import Enpire
@testable import EnpireTasks
import EnpireTesting
import Foundation
import Logging
import Testing

@Suite("Push-T campaign")
struct PushTCampaignTests {
    @Test("research score: one more success always outranks speed; equal rates rank the faster higher")
    func researchScoreOrdering() throws {
        let slowNineteen = try TrialResults(successes: 19, trials: 20, meanStepsToSuccess: 10)
        let fastTwenty = try TrialResults(successes: 20, trials: 20, meanStepsToSuccess: 299)
        let slowTwenty = try TrialResults(successes: 20, trials: 20, meanStepsToSuccess: 150)
        let quickTwenty = try TrialResults(successes: 20, trials: 20, meanStepsToSuccess: 100)
        #expect(PushTCampaign.researchScore(fastTwenty) > PushTCampaign.researchScore(slowNineteen))
        #expect(PushTCampaign.researchScore(quickTwenty) > PushTCampaign.researchScore(slowTwenty))
        // Without step counts (older records) the score is the rate.
        let plain = try TrialResults(successes: 20, trials: 20)
        #expect(PushTCampaign.researchScore(plain) == 1)
        #expect(PushTCampaign.researchScore(try TrialResults(successes: 0, trials: 20)) == 0)
        // The same holds at other trial sizes: 99/100 slow vs 98/100 instant.
        let ninetyNine = try TrialResults(successes: 99, trials: 100, meanStepsToSuccess: 300)
        let ninetyEight = try TrialResults(successes: 98, trials: 100, meanStepsToSuccess: 0)
        #expect(PushTCampaign.researchScore(ninetyNine) > PushTCampaign.researchScore(ninetyEight))
    }

    @Test("a small ground-truth campaign: confirmation halves the field and keeps a confirmed recipe")
    func smallCampaignConfirmation() async throws {
        let folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("enpire-campaign-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        var configuration = PushTCampaign.Configuration()
        configuration.research.stations = 3
        configuration.research.iterations = 3
        configuration.research.episodesPerTrial = 4
        configuration.research.heldOutEpisodes = 6
        configuration.demonstrations = 0
        configuration.research.scoreBaseline = false
        configuration.research.confirmationEpisodes = 5
        configuration.research.confirmationCandidates = 3
        // The learned stage runs too, shrunk to one small round.
        configuration.learnedRounds = 1
        configuration.learnedEpisodesPerRound = 2
        configuration.learnedMinimumUpdates = 5
        configuration.learnedDevelopmentEpisodes = 2
        configuration.paradigmDevelopmentEpisodes = 4
        let result = try await PushTCampaign(configuration: configuration, output: folder).run(logger: .silent)
        // The learned camera policy was trained, saved and scored on every held-out seed.
        let learned = try #require(result.learned)
        #expect(learned.trials == 6)
        #expect(result.learnedDetails?.curve.count == 1)
        #expect(FileManager.default.fileExists(
            atPath: folder.appendingPathComponent("checkpoints/learned/policy.safetensors").path))

        // Paradigms: the planner and both selectors, each scored on the same 4 development seeds; one learned
        // selector is kept, never the privileged planner.
        #expect(result.paradigms.map(\.paradigm) == ["rules", "bc", "dagger"])
        #expect(result.paradigms.allSatisfy { $0.development?.trials == 4 && $0.heldOut?.trials == 6 })
        let keptParadigm = try #require(result.keptParadigm)
        #expect(!keptParadigm.privileged)
        #expect(result.learnedBC?.trials == 6)

        // Three candidates ran one block; the better two (half of three, rounded up) a second; one was left.
        try #require(result.research.confirmation.count == 3)
        #expect(result.research.confirmation.map(\.rounds).sorted() == [1, 2, 2])
        let finalists = result.research.confirmation.filter { $0.rounds == 2 }
        #expect(finalists.allSatisfy { $0.confirmed.trials == 10 })
        let kept = try #require(result.research.confirmation.first { $0.recipe == result.bestRecipe })
        #expect(kept.rounds == 2)
        #expect(finalists.allSatisfy { kept.confirmed.successes >= $0.confirmed.successes })
        #expect(result.research.confirmationRobotSeconds > 0)
        let best = try #require(result.best)
        #expect(best.trials == 6)
        // Research trials record their speed for the tie-break.
        #expect(result.records.contains { $0.results.meanStepsToSuccess != nil })
    }

    @Test("paradigm choice: most development successes among non-privileged policies, ties to fewer steps, then robot time")
    func paradigmChoice() throws {
        func score(_ successes: Int, steps: Double = 100) throws -> PushTCampaign.HeldOutScore {
            let interval = try WilsonInterval(successes: successes, trials: 10)
            return PushTCampaign.HeldOutScore(policy: "p", successes: successes, trials: 10, wilsonLower: interval.lower,
                                wilsonUpper: interval.upper, meanStepsToSuccess: steps, robotSeconds: 0)
        }
        func entry(_ name: String, _ successes: Int, privileged: Bool = false, steps: Double = 100, robot: Double = 10)
            throws -> PushTCampaign.ParadigmEntry {
            PushTCampaign.ParadigmEntry(paradigm: name, reads: "", privileged: privileged,
                                        development: try score(successes, steps: steps), heldOut: nil,
                                        wallSeconds: 1, robotSeconds: robot, kept: false)
        }
        // The privileged planner scores best but is never kept.
        var kept = PushTCampaign.choose([try entry("rules", 10, privileged: true), try entry("bc", 7), try entry("dagger", 9)])
        #expect(kept.filter(\.kept).map(\.paradigm) == ["dagger"])
        // Equal development successes: the faster one; equal speed too: the one that took less robot time.
        kept = PushTCampaign.choose([try entry("bc", 9, steps: 140), try entry("dagger", 9, steps: 130)])
        #expect(kept.filter(\.kept).map(\.paradigm) == ["dagger"])
        kept = PushTCampaign.choose([try entry("bc", 9, robot: 20), try entry("dagger", 9, robot: 50)])
        #expect(kept.filter(\.kept).map(\.paradigm) == ["bc"])
        // Nothing deployable: nothing kept.
        kept = PushTCampaign.choose([try entry("rules", 10, privileged: true)])
        #expect(kept.allSatisfy { !$0.kept })
    }
}
