public import Enpire
public import EnpireResearch
public import EnpireReward
public import Foundation
public import Logging
import EnpireSim

/// The main job for Push-T: `ResearchCampaign` on ``PushTResearchTask`` plus two Push-T follow-ups on the same
/// sealed held-out seeds: the best recipe distilled into a behaviour-cloned MLP (exact state: privileged) and into a
/// learned camera policy (a DAgger primitive selector reading only the evaluator's camera and the pusher).
public struct PushTCampaign: Sendable {
    /// Sizes and budgets of a campaign: the research loop's, Push-T's station set-up, and the follow-ups'.
    public struct Configuration: Sendable, Codable {
        /// The research loop's sizes and budgets (stations, iterations, episodes per trial, held-out episodes,
        /// confirmation, scoring workers, seed, initial recipe).
        public var research = ResearchCampaign.Configuration()
        /// Demonstrations recorded with the best recipe for behaviour cloning (0 skips distillation).
        public var demonstrations = 60
        /// Training epochs for behaviour cloning.
        public var bcEpochs = 40
        /// Actions predicted per observation by the behaviour-cloned network (action chunking).
        public var bcChunk = 8
        /// Held-out episodes for the behaviour-cloned policy.
        public var bcEvaluationEpisodes = 50
        /// Whether the fleet's best recipe is distilled into a learned camera policy (DAgger primitive selector).
        public var learnedPolicy = true
        /// DAgger rounds of the learned policy.
        public var learnedRounds = 5
        /// Episodes collected per DAgger round.
        public var learnedEpisodesPerRound = 150
        /// Fewest optimiser updates per DAgger round.
        public var learnedMinimumUpdates = 1500
        /// Development episodes after each DAgger round (checkpoint selection).
        public var learnedDevelopmentEpisodes = 60
        /// Whether the selector is also trained by plain behaviour cloning on the same budget, and every paradigm
        /// (planner, per-step BC, BC and DAgger selectors) scored on shared development seeds to pick one.
        public var paradigmComparison = true
        /// Development episodes every paradigm is scored on before the choice.
        public var paradigmDevelopmentEpisodes = 200
        /// Whether research stations reset with the pusher itself (verified) instead of placing start states.
        public var robotReset = false
        /// When set, every station is judged by this camera reward (thresholds; each station calibrates its own
        /// 640x480 camera) instead of the simulator's coverage; held-out scores still count gym-pusht's success.
        public var cameraReward: PushTRewardModel?

        /// Defaults sized for a 2-core machine (a few minutes).
        public init() {}

        /// The task with this station set-up.
        public var task: PushTResearchTask { PushTResearchTask(robotReset: robotReset, cameraReward: cameraReward) }
    }

    /// A best kept recipe re-run on fresh development seeds after research.
    public typealias Confirmation = ConfirmationEntry
    /// One point of a station's learning curve.
    public typealias CurvePoint = EnpireResearch.CurvePoint
    /// A final score on held-out seeds.
    public typealias HeldOutScore = EnpireResearch.HeldOutScore

    /// Push-T's research score: the success rate, equal rates ordered by speed over the 300-step limit.
    public static func researchScore(_ results: TrialResults) -> Double {
        ResearchScore.rateThenSpeed(results, episodeLimit: PushTGeometry.maxEpisodeSteps)
    }

    /// Configuration.
    public var configuration: Configuration
    /// Folder for the fleet remote, ledgers, checkpoints and report.
    public var output: URL
    /// Whether ``run(logger:)`` continues the campaign already in `output` (see ``resuming(output:)``).
    public internal(set) var resume = false
    /// Called at each point where finished work has just been saved; a test throws here to stand in for a kill.
    public var checkpoint: (@Sendable (CampaignCheckpoint) throws -> Void)?
    /// Receives machine-readable progress of the research loop (see `ResearchCampaign.progress`).
    public var progress: (@Sendable (ProgressEvent) -> Void)?
    /// Receives the live state of the stations and carries their e-stops (see `ResearchCampaign.monitor`).
    public var monitor: CampaignMonitor?
    /// Whether the research and evaluator stations carry a 96 x 96 camera to watch (see
    /// `PushTResearchTask.viewCamera`); `enpire main --dashboard` turns it on.
    public var viewCamera = false

    /// Creates a campaign writing into `output`.
    public init(configuration: Configuration = Configuration(), output: URL) {
        self.configuration = configuration
        self.output = output
    }

    /// Runs the campaign; progress lines go to `logger` at `info` level.
    public func run(logger: Logger = Logger(label: "enpire.pusht")) async throws -> Result {
        var research: ResearchCampaign
        var task = configuration.task
        task.viewCamera = viewCamera
        if resume {
            research = try ResearchCampaign.resuming(task: task, output: output)
        } else {
            // A campaign's ledgers and fleet must start empty: results of an earlier run would leak into this one.
            if let existing = try? FileManager.default.contentsOfDirectory(atPath: output.path), !existing.isEmpty {
                throw ResearchError.outputNotEmpty(output.path)
            }
            try CampaignFiles.writeJSON(configuration, to: Self.configurationURL(output))
            research = ResearchCampaign(task: task, configuration: configuration.research, output: output)
            research.requireEmptyOutput = false
        }
        research.checkpoint = checkpoint
        research.progress = progress
        research.monitor = monitor
        if configuration.demonstrations > 0 { research.followUps.append(distillation) }
        if configuration.learnedPolicy { research.followUps.append(learnedSelector) }
        if configuration.learnedPolicy && configuration.paradigmComparison {
            research.followUps += [behaviourClonedSelector, plannerDevelopment]
        }
        let result = try await research.run(logger: logger)
        return Result(research: result, configuration: configuration, output: output)
    }

    static func configurationURL(_ output: URL) -> URL { output.appendingPathComponent("operator/pusht-campaign.json") }

    /// A campaign that continues the one in `output` (started by ``run(logger:)`` and interrupted), with the
    /// configuration it was started with.
    public static func resuming(output: URL) throws -> PushTCampaign {
        guard let configuration = CampaignFiles.readJSON(Configuration.self, from: configurationURL(output)) else {
            throw ResearchError.notResumable(output.path, reason: "\(configurationURL(output).path) is missing or "
                                             + "does not parse (not a Push-T `enpire main` folder?)")
        }
        var campaign = PushTCampaign(configuration: configuration, output: output)
        campaign.resume = true
        return campaign
    }

    /// Scores a planner recipe on `seeds` through fresh evaluator stations, as the campaign's final scoring does.
    ///
    /// Under a camera reward the evaluator's camera (a mount and lighting no research station had) ends episodes as
    /// on hardware, and success is counted by gym-pusht's rule on the final state; the camera's calls and its
    /// agreement with the simulator are reported beside. With `robotReset` each episode starts with the pusher
    /// putting the T back (verified). `workers` evaluator stations run in parallel.
    public static func score(recipe: Recipe, label: String, seeds: [UInt64], robotReset: Bool = false,
                             cameraReward: PushTRewardModel? = nil, workers: Int = 2,
                             logger: Logger = Logger(label: "enpire.pusht")) async throws -> HeldOutScore {
        let task = PushTResearchTask(robotReset: robotReset, cameraReward: cameraReward)
        let policy = try task.policy(for: recipe)
        return try await HeldOutScorer(task: task, workers: workers, output: nil, logger: logger)
            .score(label: label, seeds: seeds) { policy }
    }
}

/// Why a campaign could not start (the research loop's errors).
public typealias CampaignError = ResearchError
