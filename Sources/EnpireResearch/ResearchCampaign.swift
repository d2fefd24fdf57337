public import Enpire
public import Logging
import EnpireFleet
public import Foundation

/// The research loop on a simulated (or real) fleet of one task's stations, improving the task's recipe on their own.
///
/// Every station runs the loop with the built-in researcher (no language model): propose a recipe (from its own
/// ledger and every kept result in the Git fleet), run a budgeted trial on the development seeds through its
/// station (safety, reward, reset, recording), keep or revert, publish kept results to the fleet. The leaders are
/// then confirmed on fresh development seeds by successive halving, and the fleet's best recipe (and the task's
/// baseline, for comparison) is scored once on held-out seeds no station ever saw. Follow-ups (``FollowUp``: a
/// learned policy distilled from the best recipe, say) are scored on the same held-out seeds.
///
/// Any ``ResearchTask`` runs through it; `enpire main --task NAME` is this campaign.
public struct ResearchCampaign: Sendable {
    /// Sizes and budgets of a campaign.
    public struct Configuration: Sendable, Codable, Equatable {
        /// Simulated stations in the fleet.
        public var stations = 4
        /// Research iterations per station.
        public var iterations = 8
        /// Episodes per trial (development seeds).
        public var episodesPerTrial = 20
        /// Held-out episodes for the final score of the best and of the baseline recipe.
        public var heldOutEpisodes = 500
        /// Seed of the researchers' random choices.
        public var seed: UInt64 = 1
        /// Whether to score on held-out seeds at the end (off for scaling studies).
        public var finalEvaluation = true
        /// Development episodes per confirmation block after research (0 skips confirmation).
        public var confirmationEpisodes = 100
        /// How many of the best kept recipes (distinct) enter confirmation.
        public var confirmationCandidates = 4
        /// Evaluator stations that score held-out seeds in parallel.
        public var scoringWorkers = 2
        /// The recipe every station starts from; `nil` is the task's baseline. Set it to carry over what an
        /// earlier campaign kept.
        public var initialRecipe: Recipe?
        /// Whether the task's baseline is scored on the held-out seeds too (for comparison).
        public var scoreBaseline = true
        /// Probability that a researcher proposes a fresh sample of the space instead of perturbing the best recipe
        /// so far (the built-in researcher's exploration). Raise it when the baseline sits in a flat region.
        public var exploration = 0.15
        /// Task options (``ResearchTask/configured(_:)``), kept so that a resumed campaign rebuilds the same task.
        public var taskOptions: [String: String] = [:]

        /// Defaults sized for a 2-core machine (a few minutes).
        public init() {}
    }

    /// The task.
    public let task: any ResearchTask
    /// Configuration.
    public var configuration: Configuration
    /// Folder for the fleet remote, ledgers, progress files and report.
    public var output: URL
    /// Work run after held-out scoring of the recipes, on the same sealed seeds.
    public var followUps: [FollowUp] = []
    /// Whether a new campaign refuses an output folder that already holds files (an earlier campaign's ledgers and
    /// fleet would leak into it). A wrapper that checked the folder itself and saved its own files there first sets
    /// this to false.
    public var requireEmptyOutput = true
    /// Whether ``run(logger:)`` continues the campaign already in `output` (see ``resuming(task:output:)``).
    public internal(set) var resume = false
    /// Called at each point where finished work has just been saved; a test throws here to stand in for a kill.
    public var checkpoint: (@Sendable (CampaignCheckpoint) throws -> Void)?
    /// Receives machine-readable progress (research rounds, confirmation blocks, held-out episodes) with ETAs.
    public var progress: (@Sendable (ProgressEvent) -> Void)?
    /// Receives the live state of every station and the ledger as the campaign runs, and carries an emergency stop
    /// per station (see ``CampaignMonitor``); `enpire main --dashboard` shows it.
    public var monitor: CampaignMonitor?

    /// Creates a campaign of `task` writing into `output` (which must be empty or absent).
    public init(task: any ResearchTask, configuration: Configuration = Configuration(), output: URL) {
        self.task = task
        self.configuration = configuration
        self.output = output
    }

    /// First development seed of confirmation blocks is ``Configuration/episodesPerTrial``; development seeds
    /// are `0..<400`.
    public static let developmentSeeds = (0..<400).map(UInt64.init)

    /// Runs the campaign; progress lines go to `logger` at `info` level.
    public func run(logger: Logger = Logger(label: "enpire.research")) async throws -> ResearchResult {
        var campaignStart = Date()
        let fm = FileManager.default
        var state: CampaignState
        if resume {
            state = try CampaignFiles.loadState(output)
            state.resumes += 1
        } else {
            if requireEmptyOutput, let existing = try? fm.contentsOfDirectory(atPath: output.path), !existing.isEmpty {
                throw ResearchError.outputNotEmpty(output.path)
            }
            try fm.createDirectory(at: output, withIntermediateDirectories: true)
            state = CampaignState(task: task.name, configuration: configuration,
                                  heldOutSeeds: SealedSeeds.draw(count: configuration.heldOutEpisodes),
                                  secret: UUID().uuidString, researchStartUnixSeconds: Date().timeIntervalSince1970,
                                  resumes: 0)
        }
        // Saved before any work: from here on `--resume` can continue whatever happens.
        try CampaignFiles.save(state, to: output)
        let remote = try FleetRemote.createBare(at: output.appendingPathComponent("fleet.git"))
        let split = try SeedSplit(development: Array(Self.developmentSeeds.prefix(configuration.episodesPerTrial)),
                                  heldOut: state.heldOutSeeds, secret: state.secret)
        let frozenHash = try task.criteria.frozen(seeds: split).contentHash()
        if resume {
            logger.info("resuming \(output.path) (resume \(state.resumes)): research, confirmation and scoring continue from their saved progress")
        }
        logger.info("\(task.name): frozen criteria \(frozenHash.prefix(12)); \(configuration.stations) stations x \(configuration.iterations) iterations x \(configuration.episodesPerTrial) episodes; held-out seeds sealed (\(state.heldOutSeeds.count))")

        let researchStart = Date(timeIntervalSince1970: state.researchStartUnixSeconds)
        campaignStart = min(campaignStart, researchStart)
        monitor?.begin(task: task.name)
        var stations: [CampaignStation] = []
        for index in 0..<configuration.stations {
            stations.append(try await CampaignStation(
                index: index, task: task, configuration: configuration, remote: remote, frozenHash: frozenHash,
                split: split, output: output, researchStart: researchStart, checkpoint: checkpoint, monitor: monitor,
                logger: logger))
        }
        let roundsStart = Date()
        for iteration in 1...max(1, configuration.iterations) where configuration.iterations > 0 {
            // Everyone decides on what the fleet knew at the end of the previous round, then everyone runs.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for station in stations { group.addTask { try await station.decide(iteration: iteration) } }
                try await group.waitForAll()
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for station in stations { group.addTask { try await station.execute(iteration: iteration) } }
                try await group.waitForAll()
            }
            var inService = false
            for station in stations where !(await station.stopped) { inService = true }
            if !inService { throw ResearchError.stationsStopped(phase: "research") }
            let event = ProgressEvent(phase: "research", done: iteration, total: configuration.iterations,
                                      since: roundsStart)
            progress?(event)
            if iteration < configuration.iterations {
                logger.info("research: round \(iteration)/\(configuration.iterations) done, \(event.etaText)")
            }
        }
        var outcomes: [CampaignStation.Outcome] = []
        for station in stations { outcomes.append(await station.outcome()) }
        let researchWall = Date().timeIntervalSince(researchStart)

        // The fleet's view decides the best recipe: every kept result of every station, one ranking rule
        // (`ExperimentRecord.isBetter`); records of another frozen hash are skipped.
        let observer = try await FleetStation(name: "report", remote: remote,
                                              clonePath: output.appendingPathComponent("stations/report/clone"))
        try await observer.sync()
        let ranked = try await observer.view(task: task.name, frozenHash: frozenHash).records
            .filter { $0.recipe.map(task.accepts) ?? false }
        var bestRecipe = ranked.first?.recipe ?? configuration.initialRecipe ?? task.baseline
        logger.info("fleet best: \(bestRecipe) (\(ranked.first.map { "\($0.results.successes)/\($0.results.trials) on development seeds, station \($0.station)" } ?? "none kept"))")

        monitor?.phase("confirmation")
        let confirmation = try await Confirmation.run(
            ranked: ranked, stations: stations, configuration: configuration, output: output,
            checkpoint: checkpoint, progress: progress, logger: logger)
        if let winner = confirmation.winner { bestRecipe = winner }

        // Held-out scoring: the only place the sealed seeds are opened.
        let seeds = try split.unsealed(heldOut: state.heldOutSeeds, secret: state.secret).heldOutSeeds()
        var scorer = HeldOutScorer(task: task, workers: configuration.scoringWorkers, output: output,
                                   checkpoint: checkpoint, logger: logger)
        scorer.progress = progress
        scorer.monitor = monitor
        monitor?.phase("held-out")
        var best: HeldOutScore?
        var baseline: HeldOutScore?
        if configuration.finalEvaluation {
            let policy = try task.policy(for: bestRecipe)
            best = try await scorer.score(label: "best recipe", progressName: "heldout-best.jsonl", seeds: seeds) {
                policy
            }
            if configuration.scoreBaseline {
                let naive = try task.policy(for: task.baseline)
                baseline = try await scorer.score(label: "baseline recipe", progressName: "heldout-baseline.jsonl",
                                                  seeds: seeds) { naive }
            }
        }
        var followUpResults: [FollowUpResult] = []
        if configuration.finalEvaluation, !followUps.isEmpty {
            monitor?.phase("follow-ups")
            for followUp in followUps {
                let context = FollowUpContext(task: task, bestRecipe: bestRecipe, heldOutSeeds: seeds, output: output,
                                              configuration: configuration, scorer: scorer, logger: logger)
                followUpResults.append(try await followUp.run(context))
            }
        }
        monitor?.phase("finished")
        return ResearchResult(
            task: task.name, privilege: task.privilege, configuration: configuration, frozenHash: frozenHash,
            outcomes: outcomes, researchStart: researchStart, researchWall: researchWall, bestRecipe: bestRecipe,
            best: best, baseline: baseline, followUps: followUpResults, confirmation: confirmation.entries,
            confirmationRobotSeconds: confirmation.robotSeconds,
            totalWallSeconds: Date().timeIntervalSince(campaignStart), resumes: state.resumes)
    }

    /// A campaign that continues the one in `output` (started by ``run(logger:)`` and interrupted), with the
    /// configuration it was started with; `task` must be the task it ran (its name is checked).
    public static func resuming(task: any ResearchTask, output: URL) throws -> ResearchCampaign {
        let state = try CampaignFiles.loadState(output)
        guard state.task == task.name else {
            throw ResearchError.notResumable(output.path, reason: "it is a campaign of task \(state.task), not \(task.name)")
        }
        var campaign = ResearchCampaign(task: try task.configured(state.configuration.taskOptions),
                                        configuration: state.configuration, output: output)
        campaign.resume = true
        return campaign
    }

    /// The task a campaign folder was started for, read from its saved state (for `enpire main --resume`).
    public static func taskName(ofCampaignAt output: URL) throws -> String {
        try CampaignFiles.loadState(output).task
    }

    /// The configuration a campaign folder was started with, read from its saved state.
    public static func savedConfiguration(at output: URL) throws -> Configuration {
        try CampaignFiles.loadState(output).configuration
    }
}

/// Points at which a campaign has saved its progress.
public enum CampaignCheckpoint: Sendable, Equatable {
    /// A station finished and recorded a research trial.
    case researchTrial(station: String, iteration: Int)
    /// A confirmation block finished.
    case confirmationBlock(Int)
    /// A held-out episode was scored (`scored` so far for `label`).
    case heldOutEpisode(label: String, scored: Int)
}

/// Held-out seeds of a new campaign: drawn at random from a range no development, training or demonstration seed
/// uses, so they are not a fixed, guessable list.
enum SealedSeeds {
    static func draw(count: Int) -> [UInt64] {
        var rng = SystemRandomNumberGenerator()
        var seeds: Set<UInt64> = []
        while seeds.count < count { seeds.insert(10_000_000 + rng.next() % 1_000_000_000) }
        return seeds.sorted()
    }
}
