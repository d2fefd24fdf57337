public import EnpireResearch
import Enpire
import EnpireSim
import Foundation
import Logging

extension PushTCampaign {
    /// The learned camera policy of a campaign under a reality: a DAgger primitive selector distilled from the
    /// campaign's best recipe (the privileged planner as teacher), trained and developed in `task`'s research
    /// reality (domain randomisation; the held-out reality is never used in training), then scored from the
    /// evaluator's camera, re-registered on the goal marking each episode and waiting for the pusher to arrive, on
    /// the campaign's sealed held-out seeds under the held-out reality and under clean (two follow-ups, one
    /// training run; the checkpoint is saved to `checkpoints/learned`).
    ///
    /// `rounds` and `episodesPerRound` size the training as ``Configuration/learnedRounds`` and
    /// ``Configuration/learnedEpisodesPerRound`` do for the clean main job.
    public static func realityLearnedSelector(task: PushTResearchTask, rounds: Int, episodesPerRound: Int)
        -> [FollowUp] {
        let heldOut = task.heldOutReality ?? task.reality
        let trainedIn = task.reality.flatMap { $0.isClean ? nil : $0 }
        let heldOutName = heldOut?.name ?? "clean"
        let label = "learned primitive selector, camera (DAgger, trained in \(trainedIn?.name ?? "clean"))"
        let note = "reads only the evaluator's camera (re-registered each episode) and the pusher's own state; waits "
            + "for the pusher to arrive; trained in \(trainedIn?.name ?? "clean"), never in \(heldOutName)"
        let trained = Trained()
        func scored(_ reality: PushTReality?, _ name: String, file: String) -> FollowUp {
            FollowUp(name: "learned policy under \(name)") { context in
                // A resumed campaign does not train or score again what it finished before it stopped.
                let saved = CampaignFiles.progressURL(context.output, file)
                if let done = CampaignFiles.readJSON(FollowUpResult.self, from: saved) {
                    context.logger.info("learned policy under \(name): done before the resume (\(done.score.successes)/\(done.score.trials))")
                    return done
                }
                let model = try await trained.model(context: context) { logger in
                    var settings = try PushTCampaign.selectorSettings(
                        .dagger, teacher: context.bestRecipe, rounds: rounds, episodesPerRound: episodesPerRound,
                        research: context.configuration)
                    settings.reality = trainedIn
                    logger.info("learned policy: DAgger primitive selector, teacher = best recipe (privileged planner), \(rounds) rounds x \(episodesPerRound) episodes in \(trainedIn?.name ?? "clean")")
                    let result = try PushTPrimitiveLearner(configuration: settings).run { progress in
                        if progress.phase == "round" { logger.info("learned policy: \(progress.message)") }
                    }
                    let checkpoint = context.output.appendingPathComponent("checkpoints/learned")
                    try result.model.save(to: checkpoint)
                    try CampaignFiles.writeJSON(result.curve, to: checkpoint.appendingPathComponent("curve.json"))
                    return (result.model, result.wallSeconds)
                }
                let logger = context.logger
                let summary = try await PushTPolicyEvaluation.evaluate(
                    model: model.model, mode: .camera, seeds: context.heldOutSeeds,
                    workers: context.configuration.scoringWorkers, reality: reality, registersEachEpisode: true,
                    waitsForArrival: true) { done, total in
                    if done % 100 == 0 || done == total { logger.info("held-out: \(label) under \(name) \(done)/\(total)") }
                }
                logger.info("held-out: \(label) under \(name) \(summary.successes)/\(summary.episodes) (95% CI \(Percent.text(summary.wilsonLow))-\(Percent.text(summary.wilsonHigh)))")
                let result = FollowUpResult(score: HeldOutScore(summary, label: "\(label) under \(name)"),
                                            metrics: ["trainingWallSeconds": model.wallSeconds], note: note)
                try CampaignFiles.writeJSON(result, to: saved)
                return result
            }
        }
        return [scored(heldOut, heldOutName, file: "learned-held-out.json"),
                scored(nil, "clean", file: "learned-clean.json")]
    }

    /// The selector trained once and shared by the follow-ups that score it.
    actor Trained {
        private var trained: (model: PushTPrimitiveModel, wallSeconds: Double)?

        func model(context: FollowUpContext,
                   train: (Logger) throws -> (PushTPrimitiveModel, Double)) throws
            -> (model: PushTPrimitiveModel, wallSeconds: Double) {
            if let trained { return trained }
            let (model, seconds) = try train(context.logger)
            trained = (model, seconds)
            return (model, seconds)
        }
    }
}
