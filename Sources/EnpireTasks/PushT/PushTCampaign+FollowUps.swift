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
        /// Held-out score of the same selector trained by plain behaviour cloning, when the comparison ran.
        public var learnedBC: HeldOutScore?
        /// Every paradigm the campaign tried, scored alike, and which one it kept (empty when the comparison did
        /// not run).
        public var paradigms: [ParadigmEntry]
        /// The paradigm the campaign kept (see ``ParadigmEntry``).
        public var keptParadigm: ParadigmEntry? { paradigms.first(where: \.kept) }

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
            let comparing = configuration.learnedPolicy && configuration.paradigmComparison
            let bcRun = comparing ? CampaignFiles.readJSON(Learned.self, from: PushTCampaign.learnedURL(output, paradigm: .bc)) : nil
            learnedBC = bcRun?.score
            paradigms = comparing ? PushTCampaign.paradigms(
                research: research, distilled: configuration.demonstrations > 0 ? distilled : nil,
                learned: [bcRun, learnedRun].compactMap { $0 },
                plannerDevelopment: CampaignFiles.readJSON(HeldOutScore.self, from: PushTCampaign.plannerDevelopmentURL(output)))
                : []
        }
    }

    struct Distilled: Codable {
        var score: HeldOutScore
        var metrics: [String: Double]
        /// Score on the shared paradigm development seeds (absent in campaigns from before the comparison).
        var development: HeldOutScore?
        /// Wall seconds of demonstrations and training.
        var trainingWallSeconds: Double?
        /// Simulated robot seconds of the demonstrations.
        var trainingRobotSeconds: Double?
    }
    struct Learned: Codable {
        var score: HeldOutScore
        var details: LearnedPolicyDetails
        /// Score on the shared paradigm development seeds (absent in campaigns from before the comparison).
        var development: HeldOutScore?
    }
    static func distilledURL(_ output: URL) -> URL { CampaignFiles.progressURL(output, "behaviour-cloning.json") }
    static func learnedURL(_ output: URL, paradigm: PushTPrimitiveLearner.Paradigm = .dagger) -> URL {
        CampaignFiles.progressURL(output, paradigm == .dagger ? "learned-policy.json" : "learned-policy-\(paradigm.rawValue).json")
    }

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
            let started = ContinuousClock.now
            let parameters = try PushTPlannerRecipes.parameters(for: context.bestRecipe)
            let simulated = try PushTSimulatedStation(name: "demonstrator")
            var demonstrations: [RecordedEpisode] = []
            var demonstrationSteps = 0
            for i in 0..<configuration.demonstrations {
                let episode = try await simulated.runEpisode(policy: PushTHeuristicExpert(parameters: parameters),
                                                             seed: PushTCampaign.demonstrationStart + UInt64(i), tags: ["split": "train"])
                demonstrationSteps += episode.steps.count
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
            let trainingWall = (ContinuousClock.now - started).inSeconds
            let development = try await context.scorer.score(
                label: "behaviour-cloned MLP", seeds: PushTCampaign.paradigmDevelopmentSeeds(configuration),
                phase: "development") { policy }
            let score = try await context.scorer.score(
                label: "behaviour-cloned MLP", seeds: Array(context.heldOutSeeds.prefix(configuration.bcEvaluationEpisodes))) {
                policy
            }
            try CampaignFiles.writeJSON(Distilled(score: score, metrics: trained.metrics, development: development,
                                                  trainingWallSeconds: trainingWall,
                                                  trainingRobotSeconds: Double(demonstrationSteps) / PushTGeometry.controlRateHz),
                                        to: PushTCampaign.distilledURL(context.output))
            return FollowUpResult(score: score, metrics: trained.metrics,
                                  note: "reads the simulator's exact state (privileged)")
        }
    }

    /// Training settings of a primitive selector distilled from `teacher` on the campaign's learning seeds, with
    /// the research configuration's workers and seed.
    static func selectorSettings(_ paradigm: PushTPrimitiveLearner.Paradigm, teacher: Recipe, rounds: Int,
                                 episodesPerRound: Int, research: ResearchCampaign.Configuration) throws
        -> PushTPrimitiveLearner.Configuration {
        var settings = PushTPrimitiveLearner.Configuration()
        settings.paradigm = paradigm
        settings.library = try PushTPlannerRecipes.parameters(for: teacher)
        settings.rounds = rounds
        settings.episodesPerRound = episodesPerRound
        settings.trainingFirstSeed = learningStart
        settings.developmentFirstSeed = learningDevelopmentStart
        settings.workers = research.scoringWorkers
        settings.seed = research.seed
        return settings
    }

    /// Distils the best recipe into a learned camera policy with DAgger and scores it on the held-out seeds,
    /// reading only each evaluator station's camera and the pusher's state.
    var learnedSelector: FollowUp { selectorFollowUp(.dagger) }

    /// The same selector trained by plain behaviour cloning (every round follows the teacher) on the same budget,
    /// so the report can compare paradigms trained alike.
    var behaviourClonedSelector: FollowUp { selectorFollowUp(.bc) }

    private func selectorFollowUp(_ paradigm: PushTPrimitiveLearner.Paradigm) -> FollowUp {
        let configuration = self.configuration
        let name = paradigm == .dagger ? "learned policy" : "learned policy (BC)"
        let label = "learned primitive selector, camera (\(paradigm == .dagger ? "DAgger" : "BC"))"
        return FollowUp(name: name) { context in
            let url = PushTCampaign.learnedURL(context.output, paradigm: paradigm)
            if let done = CampaignFiles.readJSON(Learned.self, from: url) {
                context.logger.info("\(name): done before the resume (\(done.score.successes)/\(done.score.trials))")
                return FollowUpResult(score: done.score)
            }
            var settings = try PushTCampaign.selectorSettings(
                paradigm, teacher: context.bestRecipe, rounds: configuration.learnedRounds,
                episodesPerRound: configuration.learnedEpisodesPerRound, research: configuration.research)
            settings.minimumUpdates = configuration.learnedMinimumUpdates
            settings.developmentEpisodes = configuration.learnedDevelopmentEpisodes
            let logger = context.logger
            logger.info("\(name): \(paradigm.rawValue) primitive selector, teacher = best recipe (privileged planner), \(settings.rounds) rounds x \(settings.episodesPerRound) episodes")
            let result = try PushTPrimitiveLearner(configuration: settings).run { progress in
                if progress.phase == "round" { logger.info("\(name): \(progress.message)") }
            }
            let checkpoint = context.output.appendingPathComponent(paradigm == .dagger ? "checkpoints/learned"
                                                                   : "checkpoints/learned-\(paradigm.rawValue)")
            try result.model.save(to: checkpoint)
            try CampaignFiles.writeJSON(result.curve, to: checkpoint.appendingPathComponent("curve.json"))
            var development: HeldOutScore?
            if configuration.paradigmComparison {
                let summary = try await PushTPolicyEvaluation.evaluate(
                    model: result.model, mode: .camera, seeds: PushTCampaign.paradigmDevelopmentSeeds(configuration),
                    workers: configuration.research.scoringWorkers)
                logger.info("development: \(label) \(summary.successes)/\(summary.episodes)")
                development = HeldOutScore(summary, label: label)
            }
            let summary = try await PushTPolicyEvaluation.evaluate(
                model: result.model, mode: .camera, seeds: context.heldOutSeeds,
                workers: configuration.research.scoringWorkers) { done, total in
                if done % 100 == 0 || done == total { logger.info("held-out: \(label) \(done)/\(total)") }
            }
            logger.info("held-out: \(label) \(summary.successes)/\(summary.episodes) (95% CI \(Percent.text(summary.wilsonLow))-\(Percent.text(summary.wilsonHigh))), mean max coverage \(String(format: "%.3f", summary.meanMaximumCoverage))")
            let score = HeldOutScore(summary, label: label)
            let details = LearnedPolicyDetails(
                paradigm: paradigm.rawValue, observe: ObservationMode.camera.rawValue,
                teacher: context.bestRecipe, trainingWallSeconds: result.wallSeconds,
                trainingRobotSeconds: result.curve.last?.robotSeconds ?? 0, keptRound: result.keptRound,
                curve: result.curve, meanMaximumCoverage: summary.meanMaximumCoverage, checkpoint: checkpoint.path)
            try CampaignFiles.writeJSON(Learned(score: score, details: details, development: development),
                                        to: url)
            return FollowUpResult(score: score, metrics: ["trainingWallSeconds": result.wallSeconds],
                                  note: "reads only the evaluator's camera and the pusher's own state")
        }
    }
}

extension HeldOutScore {
    /// The score of a learned-policy evaluation.
    init(_ summary: PushTPolicyEvaluation.Summary, label: String) {
        self.init(policy: label, successes: summary.successes, trials: summary.episodes, wilsonLower: summary.wilsonLow,
                  wilsonUpper: summary.wilsonHigh, meanStepsToSuccess: summary.meanStepsToSuccess,
                  robotSeconds: summary.robotSeconds)
    }
}
