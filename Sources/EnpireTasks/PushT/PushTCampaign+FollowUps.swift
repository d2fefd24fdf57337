public import Enpire
public import EnpireResearch
import Foundation
import Logging
import EnpireLearning
import EnpireSim

extension PushTCampaign {
    /// How the campaign's learned policy was trained, and its held-out figures beyond the success count.
    public struct LearnedPolicyDetails: Sendable, Codable {
        /// Paradigm (`dagger`).
        public var paradigm: String
        /// What the policy reads at run time (`camera`).
        public var observe: String
        /// The teacher: the fleet's best recipe (a planner with the simulator as its model: privileged).
        public var teacher: Recipe
        /// Wall seconds of training (data collection, labelling, optimisation, development rollouts).
        public var trainingWallSeconds: Double
        /// Simulated robot seconds of data collection and development rollouts.
        public var trainingRobotSeconds: Double
        /// The round whose weights were kept (best development success).
        public var keptRound: Int
        /// Learning curve: one point per round.
        public var curve: [PushTPrimitiveLearner.CurvePoint]
        /// Mean of each held-out episode's highest coverage.
        public var meanMaximumCoverage: Double
        /// Where the checkpoint was written.
        public var checkpoint: String
    }

    /// Everything the report shows (`report.json`): the research loop's result and Push-T's follow-ups.
    public struct Result: Sendable, Codable {
        /// The configuration used.
        public var configuration: Configuration
        /// The research loop's result (curves, ledger records, best recipe, held-out scores, confirmation,
        /// utilisation, wall and robot times, resumes).
        public var research: ResearchResult
        /// Held-out score of the behaviour-cloned network, when distillation ran.
        public var behaviourCloning: HeldOutScore?
        /// Behaviour-cloning training metrics.
        public var behaviourCloningMetrics: [String: Double]
        /// Held-out score of the learned primitive selector (camera observations), when it ran.
        public var learned: HeldOutScore?
        /// How the learned policy was trained and what it reached.
        public var learnedDetails: LearnedPolicyDetails?

        /// Held-out score of the best recipe.
        public var best: HeldOutScore? { research.best }
        /// Held-out score of the naive baseline.
        public var baseline: HeldOutScore? { research.baseline }
        /// The best kept recipe in the fleet.
        public var bestRecipe: Recipe { research.bestRecipe }
        /// Every ledger record of every station.
        public var records: [ExperimentRecord] { research.records }
        /// How many times the campaign was resumed.
        public var resumes: Int { research.resumes }

        init(research: ResearchResult, configuration: Configuration, output: URL) {
            self.research = research
            self.configuration = configuration
            let distilled = CampaignFiles.readJSON(Distilled.self, from: PushTCampaign.distilledURL(output))
            behaviourCloning = configuration.demonstrations > 0 ? distilled?.score : nil
            behaviourCloningMetrics = configuration.demonstrations > 0 ? distilled?.metrics ?? [:] : [:]
            let learnedRun = CampaignFiles.readJSON(Learned.self, from: PushTCampaign.learnedURL(output))
            learned = configuration.learnedPolicy ? learnedRun?.score : nil
            learnedDetails = configuration.learnedPolicy ? learnedRun?.details : nil
        }
    }

    struct Distilled: Codable { var score: HeldOutScore; var metrics: [String: Double] }
    struct Learned: Codable { var score: HeldOutScore; var details: LearnedPolicyDetails }
    static func distilledURL(_ output: URL) -> URL { CampaignFiles.progressURL(output, "behaviour-cloning.json") }
    static func learnedURL(_ output: URL) -> URL { CampaignFiles.progressURL(output, "learned-policy.json") }

    /// First seed of the demonstrations for behaviour cloning.
    static let demonstrationStart: UInt64 = 2_000_000
    /// First seed of the learned policy's training episodes (disjoint from development, demonstration and
    /// held-out seeds).
    static let learningStart: UInt64 = 3_000_000
    /// First seed of the learned policy's development rollouts (checkpoint selection).
    static let learningDevelopmentStart: UInt64 = 3_500_000

    /// Records demonstrations with the best recipe, trains a behaviour-cloned MLP on them (exact state: privileged)
    /// and scores it on the first held-out seeds.
    var distillation: FollowUp {
        let configuration = self.configuration
        return FollowUp(name: "behaviour cloning") { context in
            if let done = CampaignFiles.readJSON(Distilled.self, from: PushTCampaign.distilledURL(context.output)) {
                context.logger.info("behaviour cloning: done before the resume (\(done.score.successes)/\(done.score.trials))")
                return FollowUpResult(score: done.score, metrics: done.metrics)
            }
            let parameters = try PushTPlannerRecipes.parameters(for: context.bestRecipe)
            let simulated = try PushTSimulatedStation(name: "demonstrator")
            var demonstrations: [RecordedEpisode] = []
            for i in 0..<configuration.demonstrations {
                let episode = try await simulated.runEpisode(policy: PushTHeuristicExpert(parameters: parameters),
                                                             seed: PushTCampaign.demonstrationStart + UInt64(i), tags: ["split": "train"])
                if episode.summary.verdict?.success == true { demonstrations.append(episode) }
            }
            context.logger.info("behaviour cloning: \(demonstrations.count) successful demonstrations, \(demonstrations.map(\.steps.count).reduce(0, +)) steps")
            let bc = BCConfiguration(
                observation: ObservationEncoding(featureKeys: [PushTFeatures.keypoints], includeArmPositions: true,
                                                 includeArmVelocities: true),
                chunkSize: configuration.bcChunk, hiddenWidths: [256, 256], epochs: configuration.bcEpochs,
                learningRate: 1e-3, batchSize: 256, seed: configuration.research.seed, validationFraction: 0.1,
                progressEvery: max(1, configuration.bcEpochs / 4), relativeToArmPosition: true)
            let logger = context.logger
            let trainer = BCTrainer(configuration: bc,
                                    checkpointDirectory: context.output.appendingPathComponent("checkpoints/bc")) { progress in
                logger.info("behaviour cloning: epoch \(progress.epoch) train loss \(progress.trainLoss)")
            }
            let trained = try await trainer.train(on: demonstrations)
            let policy = trained.policy
            let score = try await context.scorer.score(
                label: "behaviour-cloned MLP", seeds: Array(context.heldOutSeeds.prefix(configuration.bcEvaluationEpisodes))) {
                policy
            }
            try CampaignFiles.writeJSON(Distilled(score: score, metrics: trained.metrics),
                                        to: PushTCampaign.distilledURL(context.output))
            return FollowUpResult(score: score, metrics: trained.metrics,
                                  note: "reads the simulator's exact state (privileged)")
        }
    }

    /// Distils the best recipe into a learned camera policy with DAgger and scores it on the held-out seeds,
    /// reading only each evaluator station's camera and the pusher's state.
    var learnedSelector: FollowUp {
        let configuration = self.configuration
        return FollowUp(name: "learned policy") { context in
            if let done = CampaignFiles.readJSON(Learned.self, from: PushTCampaign.learnedURL(context.output)) {
                context.logger.info("learned policy: done before the resume (\(done.score.successes)/\(done.score.trials))")
                return FollowUpResult(score: done.score)
            }
            var settings = PushTPrimitiveLearner.Configuration()
            settings.library = try PushTPlannerRecipes.parameters(for: context.bestRecipe)
            settings.rounds = configuration.learnedRounds
            settings.episodesPerRound = configuration.learnedEpisodesPerRound
            settings.minimumUpdates = configuration.learnedMinimumUpdates
            settings.developmentEpisodes = configuration.learnedDevelopmentEpisodes
            settings.trainingFirstSeed = PushTCampaign.learningStart
            settings.developmentFirstSeed = PushTCampaign.learningDevelopmentStart
            settings.workers = configuration.research.scoringWorkers
            settings.seed = configuration.research.seed
            let logger = context.logger
            logger.info("learned policy: DAgger primitive selector, teacher = best recipe (privileged planner), \(settings.rounds) rounds x \(settings.episodesPerRound) episodes")
            let result = try PushTPrimitiveLearner(configuration: settings).run { progress in
                if progress.phase == "round" { logger.info("learned policy: \(progress.message)") }
            }
            let checkpoint = context.output.appendingPathComponent("checkpoints/learned")
            try result.model.save(to: checkpoint)
            try CampaignFiles.writeJSON(result.curve, to: checkpoint.appendingPathComponent("curve.json"))
            let summary = try await PushTPolicyEvaluation.evaluate(
                model: result.model, mode: .camera, seeds: context.heldOutSeeds,
                workers: configuration.research.scoringWorkers) { done, total in
                if done % 100 == 0 || done == total { logger.info("held-out: learned policy (camera) \(done)/\(total)") }
            }
            logger.info("held-out: learned policy (camera) \(summary.successes)/\(summary.episodes) (95% CI \(Percent.text(summary.wilsonLow))-\(Percent.text(summary.wilsonHigh))), mean max coverage \(String(format: "%.3f", summary.meanMaximumCoverage))")
            let score = HeldOutScore(policy: "learned primitive selector, camera (DAgger)", successes: summary.successes,
                                     trials: summary.episodes, wilsonLower: summary.wilsonLow,
                                     wilsonUpper: summary.wilsonHigh, meanStepsToSuccess: summary.meanStepsToSuccess,
                                     robotSeconds: summary.robotSeconds)
            let details = LearnedPolicyDetails(
                paradigm: settings.paradigm.rawValue, observe: ObservationMode.camera.rawValue,
                teacher: context.bestRecipe, trainingWallSeconds: result.wallSeconds,
                trainingRobotSeconds: result.curve.last?.robotSeconds ?? 0, keptRound: result.keptRound,
                curve: result.curve, meanMaximumCoverage: summary.meanMaximumCoverage, checkpoint: checkpoint.path)
            try CampaignFiles.writeJSON(Learned(score: score, details: details), to: PushTCampaign.learnedURL(context.output))
            return FollowUpResult(score: score, metrics: ["trainingWallSeconds": result.wallSeconds],
                                  note: "reads only the evaluator's camera and the pusher's own state")
        }
    }
}
