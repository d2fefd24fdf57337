public import EnpireResearch
import Foundation

extension PushTCampaign {
    /// One way of producing a Push-T policy that the campaign tried, scored like the others: on the same fresh
    /// development seeds (the basis of the choice) and on the sealed held-out seeds.
    public struct ParadigmEntry: Sendable, Codable, Equatable {
        /// `rules` (the planner recipe the fleet researched), `bc-mlp` (per-step behaviour cloning of the planner),
        /// `bc` (primitive selector cloned from the planner), `dagger` (the same selector trained with DAgger).
        public var paradigm: String
        /// What the policy reads at run time, in words.
        public var reads: String
        /// Whether it needs information a real station does not have (the simulator's exact state, or the simulator
        /// as a planning model). A privileged policy is a teacher or oracle and is never the one kept.
        public var privileged: Bool
        /// Score on the shared development seeds.
        public var development: HeldOutScore?
        /// Score on the sealed held-out seeds.
        public var heldOut: HeldOutScore?
        /// Wall seconds it took to produce (the research phase for the planner; demonstrations, labelling, training
        /// and development rollouts for learned policies).
        public var wallSeconds: Double
        /// Simulated robot seconds it took to produce.
        public var robotSeconds: Double
        /// Whether the campaign kept it.
        public var kept: Bool
    }

    /// First seed of the development episodes every paradigm is scored on (disjoint from research, confirmation,
    /// demonstrations, training, learner development and held-out seeds).
    static let paradigmDevelopmentStart: UInt64 = 3_800_000

    static func paradigmDevelopmentSeeds(_ configuration: Configuration) -> [UInt64] {
        (0..<UInt64(configuration.paradigmDevelopmentEpisodes)).map { paradigmDevelopmentStart + $0 }
    }

    static func plannerDevelopmentURL(_ output: URL) -> URL {
        CampaignFiles.progressURL(output, "paradigm-planner-development.json")
    }

    /// Scores the fleet's best recipe on the paradigm development seeds, so the planner sits in the comparison on the
    /// same footing as the learned policies.
    var plannerDevelopment: FollowUp {
        let configuration = self.configuration
        return FollowUp(name: "planner on development seeds") { context in
            let url = PushTCampaign.plannerDevelopmentURL(context.output)
            if let done = CampaignFiles.readJSON(HeldOutScore.self, from: url) { return FollowUpResult(score: done) }
            let policy = try context.task.policy(for: context.bestRecipe)
            let score = try await context.scorer.score(
                label: "best recipe (planner)", seeds: PushTCampaign.paradigmDevelopmentSeeds(configuration),
                phase: "development") { policy }
            try CampaignFiles.writeJSON(score, to: url)
            return FollowUpResult(score: score, note: "development seeds; the planner is privileged (an oracle)")
        }
    }

    /// The comparison table: every paradigm that ran, and which one the campaign keeps (see ``choose(_:)``);
    /// held-out scores play no part in the choice.
    static func paradigms(research: ResearchResult, distilled: Distilled?, learned: [Learned],
                          plannerDevelopment: HeldOutScore?) -> [ParadigmEntry] {
        var entries = [ParadigmEntry(
            paradigm: "rules", reads: "the simulator's exact state, planning with the simulator as its model",
            privileged: true, development: plannerDevelopment, heldOut: research.best,
            wallSeconds: research.researchWallSeconds,
            robotSeconds: research.researchRobotSeconds + research.confirmationRobotSeconds, kept: false)]
        if let distilled {
            entries.append(ParadigmEntry(
                paradigm: "bc-mlp", reads: "the simulator's exact keypoints and the pusher's state", privileged: true,
                development: distilled.development, heldOut: distilled.score,
                wallSeconds: distilled.trainingWallSeconds ?? 0, robotSeconds: distilled.trainingRobotSeconds ?? 0,
                kept: false))
        }
        for run in learned {
            entries.append(ParadigmEntry(
                paradigm: run.details.paradigm, reads: "the camera's block estimate and the pusher's state",
                privileged: false, development: run.development, heldOut: run.score,
                wallSeconds: run.details.trainingWallSeconds, robotSeconds: run.details.trainingRobotSeconds,
                kept: false))
        }
        return choose(entries)
    }

    /// Marks the kept entry: the non-privileged one with the most development successes; equal counts go to the
    /// one that succeeds in fewer control steps on average (the research loop's own tie-break), then to the one that
    /// took less robot time to produce. Wall time plays no part: it depends on the machine's load.
    static func choose(_ candidates: [ParadigmEntry]) -> [ParadigmEntry] {
        var entries = candidates.map { entry in var entry = entry; entry.kept = false; return entry }
        let candidates = entries.indices.filter { !entries[$0].privileged && entries[$0].development != nil }
        if let kept = candidates.max(by: { a, b in
            let (x, y) = (entries[a].development, entries[b].development)
            let (sx, sy) = (x?.successes ?? 0, y?.successes ?? 0)
            if sx != sy { return sx < sy }
            let (tx, ty) = (x?.meanStepsToSuccess ?? .infinity, y?.meanStepsToSuccess ?? .infinity)
            if tx != ty { return tx > ty }
            return entries[a].robotSeconds > entries[b].robotSeconds
        }) {
            entries[kept].kept = true
        }
        return entries
    }
}
