public import Enpire
import EnpireFleet
import EnpireSim
public import EnpireReward
public import Foundation
import EnpireLearning

/// The main job: a simulated fleet of Push-T stations improving their policy on their own.
///
/// Every station runs the research loop with the built-in researcher (no language model): propose a recipe
/// (from its own ledger and every kept result in the Git fleet), run a budgeted trial on the development
/// seeds through its `Station` (safety, reward, reset, recording), keep or revert, publish kept results to
/// the fleet. At the end the fleet's best recipe (and the naive baseline, for comparison) is scored once on
/// held-out seeds no station ever saw, and the best recipe is distilled into a behaviour-cloned network.
public struct PushTCampaign: Sendable {
    /// Sizes and budgets of a campaign.
    public struct Configuration: Sendable, Codable {
        /// Simulated stations in the fleet.
        public var stations = 4
        /// Research iterations per station.
        public var iterations = 8
        /// Episodes per trial (development seeds).
        public var episodesPerTrial = 20
        /// Held-out episodes for the final score of the best and of the baseline recipe.
        public var heldOutEpisodes = 500
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
        /// Seed of the researchers' random choices.
        public var seed: UInt64 = 1
        /// Whether to score on held-out seeds and distil at the end (off for scaling studies).
        public var finalEvaluation = true
        /// Development episodes per confirmation block after research (0 skips confirmation). Trials all use the
        /// same ``episodesPerTrial`` development seeds, so several recipes end at 20/20; confirmation runs the
        /// leaders on blocks of fresh development seeds (never the held-out ones), halving the field after each
        /// block, and keeps the recipe that holds up best over every block it ran.
        public var confirmationEpisodes = 100
        /// How many of the best kept recipes (distinct, at most one per station) enter confirmation.
        public var confirmationCandidates = 4
        /// Evaluator stations that score the held-out seeds in parallel (each gets every n-th seed; all share the
        /// evaluator's camera mount).
        public var scoringWorkers = 2
        /// The recipe every station starts from; `nil` is the deliberately naive ``PushTPlannerRecipes/baseline``.
        /// Set it to reuse what an earlier campaign kept (the reference's "evolution": recipes carry over).
        public var initialRecipe: Recipe?
        /// Whether the naive baseline recipe is scored on the held-out seeds too (for comparison; it doubles the
        /// held-out robot time).
        public var scoreBaseline = true
        /// Whether research stations reset with the pusher itself (verified) instead of placing start states.
        public var robotReset = false
        /// When set, every station is judged by this camera reward (thresholds; each station calibrates its own
        /// 640x480 camera) instead of the simulator's coverage; held-out scores still count gym-pusht's success.
        public var cameraReward: PushTRewardModel?

        /// Defaults sized for a 2-core machine (a few minutes).
        public init() {}
    }

    /// A best kept recipe re-run on fresh development seeds after research.
    public struct Confirmation: Sendable, Codable {
        /// The recipe.
        public var recipe: Recipe
        /// Its kept trial result during research.
        public var research: TrialResults
        /// Its result on the confirmation seeds.
        public var confirmed: TrialResults
        /// Station that ran it.
        public var station: String
        /// Confirmation blocks it ran (successive halving drops the weaker half after each block).
        public var rounds: Int
    }

    /// Running totals of a recipe's confirmation episodes.
    struct ConfirmationRun: Sendable {
        var successes = 0
        var trials = 0
        var successSteps = 0
        var robotSeconds = 0.0

        mutating func add(_ other: ConfirmationRun) {
            successes += other.successes
            trials += other.trials
            successSteps += other.successSteps
            robotSeconds += other.robotSeconds
        }

        var meanStepsToSuccess: Double? { successes > 0 ? Double(successSteps) / Double(successes) : nil }

        /// More successes, or as many in fewer steps.
        func isBetter(than other: ConfirmationRun) -> Bool {
            if successes != other.successes { return successes > other.successes }
            return (meanStepsToSuccess ?? .infinity) < (other.meanStepsToSuccess ?? .infinity)
        }

        func results() throws -> TrialResults {
            try TrialResults(successes: successes, trials: trials, meanStepsToSuccess: meanStepsToSuccess)
        }
    }

    /// The score research ranks trial results by: the success rate, with equal rates ordered by speed.
    ///
    /// Trials saturate (many recipes reach 20/20 on the same development seeds), and a rate alone then cannot
    /// tell a recipe that finishes with time to spare from one that barely makes the step limit, although the
    /// first fails less often on new starts (failures are mostly timeouts). The speed term,
    /// `1 - meanStepsToSuccess / 300`, is scaled to less than one success's worth of rate (0.8 / trials), so a
    /// recipe with one more success always ranks higher; results without step counts rank by rate.
    public static func researchScore(_ results: TrialResults) -> Double {
        guard results.trials > 0, results.successes > 0, let steps = results.meanStepsToSuccess else {
            return results.rate
        }
        let speed = min(1, max(0, 1 - steps / Double(PushTGeometry.maxEpisodeSteps)))
        return results.rate + 0.8 / Double(results.trials) * speed
    }

    /// One point of a station's learning curve.
    public struct CurvePoint: Sendable, Codable {
        /// Iteration index (1-based).
        public var iteration: Int
        /// Cumulative robot time of the station, seconds.
        public var robotSeconds: Double
        /// Cumulative wall time of the station, seconds.
        public var wallSeconds: Double
        /// Success rate of this trial.
        public var trialRate: Double
        /// Best kept success rate so far.
        public var bestRate: Double
    }

    /// A final score on held-out seeds.
    public struct HeldOutScore: Sendable, Codable {
        /// What was scored.
        public var policy: String
        /// Successes.
        public var successes: Int
        /// Episodes.
        public var trials: Int
        /// Wilson 95% interval lower bound.
        public var wilsonLower: Double
        /// Wilson 95% interval upper bound.
        public var wilsonUpper: Double
        /// Mean steps over successful episodes.
        public var meanStepsToSuccess: Double
        /// Robot time used, seconds.
        public var robotSeconds: Double
        /// Episodes the station's camera reward called successes (nil when judged by ground truth).
        public var cameraSuccesses: Int?
        /// Episodes where the camera's final verdict agreed with the simulator's success.
        public var cameraAgreements: Int?
    }

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

    /// Everything the report shows.
    public struct Result: Sendable, Codable {
        /// The configuration used.
        public var configuration: Configuration
        /// Hash of the frozen evaluation criteria.
        public var frozenHash: String
        /// Learning curve per station.
        public var curves: [String: [CurvePoint]]
        /// Every ledger record of every station.
        public var records: [ExperimentRecord]
        /// The best kept recipe in the fleet.
        public var bestRecipe: Recipe
        /// Held-out score of the best recipe (absent when final evaluation was off).
        public var best: HeldOutScore?
        /// Held-out score of the naive baseline (absent when final evaluation was off).
        public var baseline: HeldOutScore?
        /// Held-out score of the behaviour-cloned network, when distillation ran.
        public var behaviourCloning: HeldOutScore?
        /// Behaviour-cloning training metrics.
        public var behaviourCloningMetrics: [String: Double]
        /// Held-out score of the learned primitive selector (camera observations), when it ran.
        public var learned: HeldOutScore?
        /// How the learned policy was trained and what it reached.
        public var learnedDetails: LearnedPolicyDetails?
        /// Robot utilisation per station over the research phase.
        public var utilization: FleetUtilization
        /// Wall time of the research phase, seconds.
        public var researchWallSeconds: Double
        /// Wall time of the whole campaign, seconds.
        public var totalWallSeconds: Double
        /// Robot time of the research phase summed over stations, seconds.
        public var researchRobotSeconds: Double
        /// Robot seconds each station used until its best kept rate first reached 95%, if it did.
        public var robotSecondsTo95: [String: Double]
        /// The confirmation round: each candidate's research result and its result on fresh development seeds.
        public var confirmation: [Confirmation] = []
        /// Robot seconds of the confirmation round summed over stations.
        public var confirmationRobotSeconds = 0.0
        /// How many times the campaign was resumed after an interruption (`enpire main --resume`); wall times
        /// and utilisation then include the time it was down.
        public var resumes = 0

        /// Fleet robot time to a success rate: the fewest robot seconds any station (all run in parallel)
        /// needed until its best kept development rate reached `rate`, or `nil` if none did.
        public func fleetRobotSeconds(toReach rate: Double) -> Double? {
            curves.values.compactMap { curve in curve.first { $0.bestRate >= rate }?.robotSeconds }.min()
        }
    }

    /// Configuration.
    public var configuration: Configuration
    /// Folder for the fleet remote, ledgers, checkpoints and report.
    public var output: URL

    /// Whether ``run(log:)`` continues the campaign already in `output` (see ``resuming(output:)``).
    public internal(set) var resume = false
    /// Called at each point where finished work has just been saved; a test throws here to stand in for a kill.
    var checkpoint: (@Sendable (Checkpoint) throws -> Void)?

    /// Points at which a campaign has saved its progress.
    enum Checkpoint: Sendable, Equatable {
        case researchTrial(station: String, iteration: Int)
        case confirmationBlock(Int)
        case heldOutEpisode(label: String, scored: Int)
    }

    /// Creates a campaign writing into `output`.
    public init(configuration: Configuration = Configuration(), output: URL) {
        self.configuration = configuration
        self.output = output
    }

    static let developmentSeeds = (0..<400).map(UInt64.init)
    static let heldOutStart: UInt64 = 1_000_000
    static let demonstrationStart: UInt64 = 2_000_000

    /// Runs the campaign; `log` receives progress lines.
    public func run(log: @escaping @Sendable (String) -> Void) async throws -> Result {
        var campaignStart = Date()
        let fm = FileManager.default
        var state: State
        if resume {
            state = try Self.loadState(output)
            state.resumes += 1
        } else {
            // A campaign's ledgers and fleet must start empty: results of an earlier run would leak into this one.
            if let existing = try? fm.contentsOfDirectory(atPath: output.path), !existing.isEmpty {
                throw CampaignError.outputNotEmpty(output.path)
            }
            try fm.createDirectory(at: output, withIntermediateDirectories: true)
            state = State(configuration: configuration,
                          heldOutSeeds: (0..<UInt64(configuration.heldOutEpisodes)).map { Self.heldOutStart + $0 },
                          secret: UUID().uuidString, researchStartUnixSeconds: Date().timeIntervalSince1970,
                          resumes: 0)
        }
        // Saved before any work: from here on `--resume` can continue whatever happens.
        try Self.save(state, to: output)
        let remote = try FleetRemote.createBare(at: output.appendingPathComponent("fleet.git"))
        let secret = state.secret
        let heldOut = state.heldOutSeeds
        let split = try SeedSplit(development: Array(Self.developmentSeeds.prefix(configuration.episodesPerTrial)),
                                  heldOut: heldOut, secret: secret)
        var thresholds = configuration.cameraReward
        thresholds?.camera = nil
        let criteria = FrozenCriteria(
            task: TaskSpec(name: "pusht", parameters: ["maxSteps": "300", "simulator": "gym-pusht-0.1.8"]),
            rewardIdentity: thresholds.map { "pusht.camera-reward sha256:\($0.identity)" }
                ?? "pusht.ground-truth-coverage>0.95",
            resetIdentity: configuration.robotReset ? PushTRobotReset.Settings().identity : "pusht.teleport.gym-pusht-0.1.8",
            safetyLimits: "pusher box [0,512]^2", seeds: split, scoreWindow: 50,
            successDefinition: "coverage > 0.95 within 300 control steps")
        let frozenHash = try criteria.contentHash()
        if resume { log("resuming \(output.path) (resume \(state.resumes)): research, confirmation and scoring continue from their saved progress") }
        log("frozen criteria \(frozenHash.prefix(12)); \(configuration.stations) stations x \(configuration.iterations) iterations x \(configuration.episodesPerTrial) episodes; held-out seeds sealed (\(heldOut.count))")

        let researchStart = Date(timeIntervalSince1970: state.researchStartUnixSeconds)
        campaignStart = min(campaignStart, researchStart)  // a resumed campaign counts from its first start
        let configuration = self.configuration
        let output = self.output
        var stations: [CampaignStation] = []
        for index in 0..<configuration.stations {
            stations.append(try await CampaignStation(index: index, configuration: configuration, remote: remote,
                                                      frozenHash: frozenHash, split: split, output: output,
                                                      researchStart: researchStart, checkpoint: checkpoint, log: log))
        }
        for iteration in 1...configuration.iterations {
            // Everyone decides on what the fleet knew at the end of the previous round, then everyone runs.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for station in stations { group.addTask { try await station.decide(iteration: iteration) } }
                try await group.waitForAll()
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for station in stations { group.addTask { try await station.execute(iteration: iteration) } }
                try await group.waitForAll()
            }
        }
        var outcomes: [StationOutcome] = []
        for station in stations { outcomes.append(await station.outcome()) }
        let researchWall = Date().timeIntervalSince(researchStart)

        // The fleet's view decides the best recipe: every kept result of every station.
        let observer = try await FleetStation(name: "report", remote: remote,
                                              clonePath: output.appendingPathComponent("stations/report/clone"))
        try await observer.sync()
        // One ranking rule everywhere (``ExperimentRecord/isBetter(_:than:)``); records of another frozen hash
        // are skipped.
        let ranked = try await observer.view(task: "pusht", frozenHash: frozenHash).records
        let bestRecord = ranked.first
        var bestRecipe = bestRecord.flatMap { PushTPlannerRecipes.recipe(from: $0.config) } ?? PushTPlannerRecipes.baseline
        log("fleet best: \(bestRecipe) (\(bestRecord.map { "\($0.results.successes)/\($0.results.trials) on development seeds, station \($0.station)" } ?? "none kept"))")

        // Confirmation, as successive halving: the leaders run on fresh development seeds (one candidate per
        // station, in parallel), the better half runs a second block of fresh seeds, and so on until one is left;
        // the winner has the most successes over every block it ran (ties: fewer steps to success).
        var confirmation: [Confirmation] = []
        var confirmationRobot = 0.0
        if configuration.confirmationEpisodes > 0, configuration.confirmationCandidates > 1 {
            var candidates: [(Recipe, TrialResults)] = []
            for record in ranked {
                guard let recipe = PushTPlannerRecipes.recipe(from: record.config),
                      !candidates.contains(where: { $0.0 == recipe }) else { continue }
                candidates.append((recipe, record.results))
                if candidates.count == min(configuration.confirmationCandidates, stations.count) { break }
            }
            var runs = Array(repeating: ConfirmationRun(), count: candidates.count)
            var rounds = Array(repeating: 0, count: candidates.count)
            var alive = Array(candidates.indices)
            var nextSeed = configuration.episodesPerTrial
            let progressURL = Self.progressURL(output, "confirmation.json")
            if let saved = Self.readJSON(ConfirmationProgress.self, from: progressURL),
               saved.candidates == candidates.map(\.0), saved.rounds.count == candidates.count {
                for index in candidates.indices {
                    runs[index] = ConfirmationRun(successes: saved.successes[index], trials: saved.trials[index],
                                                  successSteps: saved.successSteps[index],
                                                  robotSeconds: saved.robotSeconds[index])
                }
                rounds = saved.rounds
                alive = saved.alive
                nextSeed = saved.nextSeed
                confirmationRobot = saved.robotSeconds.reduce(0, +)
                log("confirmation: resuming after \(rounds.max() ?? 0) finished blocks (\(alive.count) recipes left)")
            }
            var blocksDone = 0
            while alive.count > 1 {
                let seeds = Array(Self.developmentSeeds.dropFirst(nextSeed).prefix(configuration.confirmationEpisodes))
                guard !seeds.isEmpty else { break }
                nextSeed += seeds.count
                log("confirmation: \(alive.count) leading recipes on \(seeds.count) fresh development seeds each (seeds \(seeds.first!)-\(seeds.last!))")
                let block = try await withThrowingTaskGroup(of: (Int, ConfirmationRun).self) { group in
                    for index in alive {
                        let station = stations[index]
                        let recipe = candidates[index].0
                        group.addTask { (index, try await station.confirm(recipe: recipe, seeds: seeds)) }
                    }
                    var block: [(Int, ConfirmationRun)] = []
                    for try await run in group { block.append(run) }
                    return block.sorted { $0.0 < $1.0 }
                }
                for (index, run) in block {
                    runs[index].add(run)
                    rounds[index] += 1
                    confirmationRobot += run.robotSeconds
                    log("confirmation: candidate \(index + 1) (\(candidates[index].1.successes)/\(candidates[index].1.trials) in research) -> \(run.successes)/\(run.trials) (\(runs[index].successes)/\(runs[index].trials) so far)")
                }
                // The better half (rounded up) goes on; ties keep the faster, then the research order.
                let order = alive.sorted { runs[$0].isBetter(than: runs[$1]) || (!runs[$1].isBetter(than: runs[$0]) && $0 < $1) }
                alive = Array(order.prefix((alive.count + 1) / 2))
                try Self.writeJSON(ConfirmationProgress(
                    candidates: candidates.map(\.0), successes: runs.map(\.successes), trials: runs.map(\.trials),
                    successSteps: runs.map(\.successSteps), robotSeconds: runs.map(\.robotSeconds), rounds: rounds,
                    alive: alive, nextSeed: nextSeed), to: progressURL)
                blocksDone += 1
                try checkpoint?(.confirmationBlock(blocksDone))
            }
            for index in candidates.indices where rounds[index] > 0 {
                confirmation.append(Confirmation(recipe: candidates[index].0, research: candidates[index].1,
                                                 confirmed: try runs[index].results(), station: stations[index].name,
                                                 rounds: rounds[index]))
            }
            if let winner = alive.first, rounds[winner] > 0 {
                bestRecipe = candidates[winner].0
                log("confirmation: keeping candidate \(winner + 1) (\(runs[winner].successes)/\(runs[winner].trials)): \(bestRecipe)")
            }
        }

        // Held-out scoring: the only place the sealed seeds are opened.
        var best: HeldOutScore?
        var baseline: HeldOutScore?
        var bcScore: HeldOutScore?
        var bcMetrics: [String: Double] = [:]
        let seeds = try split.unsealed(heldOut: heldOut, secret: secret).heldOutSeeds()
        if configuration.finalEvaluation {
            let parameters = try PushTPlannerRecipes.parameters(for: bestRecipe)
            best = try await Self.score(label: "best recipe", seeds: seeds, robotReset: configuration.robotReset,
                                        cameraReward: configuration.cameraReward,
                                        workers: configuration.scoringWorkers,
                                        progress: Self.progressURL(output, "heldout-best.jsonl"),
                                        checkpoint: checkpoint, log: log) {
                PushTHeuristicExpert(parameters: parameters)
            }
        }
        if configuration.finalEvaluation, configuration.scoreBaseline {
            let parameters = try PushTPlannerRecipes.parameters(for: PushTPlannerRecipes.baseline)
            baseline = try await Self.score(label: "baseline recipe", seeds: seeds,
                                            robotReset: configuration.robotReset,
                                            cameraReward: configuration.cameraReward,
                                            workers: configuration.scoringWorkers,
                                            progress: Self.progressURL(output, "heldout-baseline.jsonl"),
                                            checkpoint: checkpoint, log: log) {
                PushTHeuristicExpert(parameters: parameters)
            }
        }
        if configuration.finalEvaluation, configuration.demonstrations > 0 {
            struct Distilled: Codable { var score: HeldOutScore; var metrics: [String: Double] }
            let doneURL = Self.progressURL(output, "behaviour-cloning.json")
            if let done = Self.readJSON(Distilled.self, from: doneURL) {
                (bcScore, bcMetrics) = (done.score, done.metrics)
                log("behaviour cloning: done before the resume (\(done.score.successes)/\(done.score.trials))")
            } else {
                let (score, metrics) = try await Self.distil(
                    recipe: bestRecipe, configuration: configuration,
                    seeds: Array(seeds.prefix(configuration.bcEvaluationEpisodes)), output: output, log: log)
                try Self.writeJSON(Distilled(score: score, metrics: metrics), to: doneURL)
                (bcScore, bcMetrics) = (score, metrics)
            }
        }

        var learned: HeldOutScore?
        var learnedDetails: LearnedPolicyDetails?
        if configuration.finalEvaluation, configuration.learnedPolicy {
            struct Learned: Codable { var score: HeldOutScore; var details: LearnedPolicyDetails }
            let doneURL = Self.progressURL(output, "learned-policy.json")
            if let done = Self.readJSON(Learned.self, from: doneURL) {
                (learned, learnedDetails) = (done.score, done.details)
                log("learned policy: done before the resume (\(done.score.successes)/\(done.score.trials))")
            } else {
                let (score, details) = try await Self.learn(recipe: bestRecipe, configuration: configuration,
                                                            seeds: seeds, output: output, log: log)
                try Self.writeJSON(Learned(score: score, details: details), to: doneURL)
                (learned, learnedDetails) = (score, details)
            }
        }

        // Each robot is measured over its own research span (from its first decision to its last trial), so a
        // station that finished early is not counted idle while the others still work.
        var robots: [RobotUtilization] = []
        for outcome in outcomes {
            var timeline = RobotTimeline()
            for interval in outcome.intervals { timeline.append(interval) }
            robots += timeline.utilization(robots: [outcome.name]).robots
        }
        var timeline = RobotTimeline()
        for outcome in outcomes { for interval in outcome.intervals { timeline.append(interval) } }
        var utilization = timeline.utilization(from: 0, to: researchWall)
        utilization.robots = robots
        var to95: [String: Double] = [:]
        for outcome in outcomes {
            if let point = outcome.curve.first(where: { $0.bestRate >= 0.95 }) { to95[outcome.name] = point.robotSeconds }
        }
        return Result(configuration: configuration, frozenHash: frozenHash,
                      curves: Dictionary(uniqueKeysWithValues: outcomes.map { ($0.name, $0.curve) }),
                      records: outcomes.flatMap(\.records), bestRecipe: bestRecipe, best: best, baseline: baseline,
                      behaviourCloning: bcScore, behaviourCloningMetrics: bcMetrics, learned: learned,
                      learnedDetails: learnedDetails, utilization: utilization,
                      researchWallSeconds: researchWall, totalWallSeconds: Date().timeIntervalSince(campaignStart),
                      researchRobotSeconds: outcomes.map { $0.curve.last?.robotSeconds ?? 0 }.reduce(0, +),
                      robotSecondsTo95: to95, confirmation: confirmation, confirmationRobotSeconds: confirmationRobot,
                      resumes: state.resumes)
    }

    struct StationOutcome: Sendable {
        var name: String
        var curve: [CurvePoint]
        var records: [ExperimentRecord]
        var intervals: [RobotInterval]
    }

    /// One station of the fleet: its station, ledger, fleet clone and researcher.
    ///
    /// Stations advance in synchronous rounds: every station decides (fleet sync, then adopt or propose)
    /// before any station runs its trial, and kept results are published at the end of the round. A station
    /// therefore only ever sees results from earlier rounds, so robot time stays consistent across the fleet
    /// (all robots run in parallel) and the fleet-size comparison is fair.
    actor CampaignStation {
        let name: String
        let configuration: Configuration
        let frozenHash: String
        let split: SeedSplit
        let researchStart: Date
        let log: @Sendable (String) -> Void
        let ledger: ExperimentLedger
        let fleet: FleetStation
        let simulated: PushTSimulatedStation
        var researcher: BuiltInResearcher
        var curve: [CurvePoint] = []
        var intervals: [RobotInterval] = []
        var robotSeconds = 0.0
        var bestRate = -1.0
        var bestScore = -1.0
        var proposal: (recipe: Recipe, hypothesis: String)?
        var thinkStart = Date()
        let stationStart: Date
        /// Iterations finished before this process started (a resumed campaign).
        let finishedIterations: Int
        let checkpoint: (@Sendable (Checkpoint) throws -> Void)?

        init(index: Int, configuration: Configuration, remote: FleetRemote, frozenHash: String, split: SeedSplit,
             output: URL, researchStart: Date, checkpoint: (@Sendable (Checkpoint) throws -> Void)?,
             log: @escaping @Sendable (String) -> Void) async throws {
            name = "station-\(index + 1)"
            self.configuration = configuration
            self.frozenHash = frozenHash
            self.split = split
            self.researchStart = researchStart
            self.checkpoint = checkpoint
            self.log = log
            let folder = output.appendingPathComponent("stations/\(name)")
            ledger = try ExperimentLedger(fileURL: folder.appendingPathComponent("ledger.jsonl"), createIfMissing: true)
            fleet = try await FleetStation(name: name, remote: remote, clonePath: folder.appendingPathComponent("clone"))
            simulated = try PushTSimulatedStation(name: name, robotReset: configuration.robotReset,
                                                  cameraReward: configuration.cameraReward,
                                                  judgeCameraSeed: UInt64(index + 1))
            // A resumed station continues from its ledger: the trials it finished, its best kept result, its
            // curve; its researcher is re-seeded past the proposals it already made.
            let stationName = name
            let done = await ledger.allRecords().filter { $0.station == stationName && $0.frozenHash == frozenHash }
            finishedIterations = done.count
            stationStart = done.first.map { Date(timeIntervalSince1970: $0.startedAtUnixSeconds) } ?? Date()
            researcher = BuiltInResearcher(space: PushTPlannerRecipes.space,
                                           initial: configuration.initialRecipe ?? PushTPlannerRecipes.baseline,
                                           seed: configuration.seed &* 1_000_003 &+ UInt64(index)
                                               &+ UInt64(done.count) &* 0x9E37_79B9_7F4A_7C15)
            for (offset, record) in done.enumerated() {
                robotSeconds += record.robotTimeSeconds
                if record.decision == .keep {
                    bestScore = max(bestScore, PushTCampaign.researchScore(record.results))
                    bestRate = max(bestRate, record.results.rate)
                    // Killed between the ledger append and the publish: publish now.
                    if !(try await fleet.isPublished(record.id)) { try await fleet.publish(record) }
                }
                intervals.append(RobotInterval(
                    robot: name, activity: .experiment,
                    startSeconds: record.startedAtUnixSeconds - researchStart.timeIntervalSince1970,
                    endSeconds: record.finishedAtUnixSeconds - researchStart.timeIntervalSince1970))
                curve.append(CurvePoint(iteration: offset + 1, robotSeconds: robotSeconds,
                                        wallSeconds: record.finishedAtUnixSeconds - stationStart.timeIntervalSince1970,
                                        trialRate: record.results.rate, bestRate: bestRate))
            }
        }

        /// Phase 1 of a round: sync the fleet, then adopt a better kept recipe or propose a new one.
        func decide(iteration: Int) async throws {
            proposal = nil
            guard iteration > finishedIterations else { return }
            thinkStart = Date()
            try await fleet.sync()
            let own = await ledger.allRecords()
            var known = own.compactMap { record -> BuiltInResearcher.Result? in
                PushTPlannerRecipes.recipe(from: record.config).map { .init(recipe: $0, score: PushTCampaign.researchScore(record.results)) }
            }
            let fleetKept = try await fleet.view(task: "pusht", frozenHash: frozenHash).records.filter { $0.station != name }
            known += fleetKept.compactMap { record in
                PushTPlannerRecipes.recipe(from: record.config).map { .init(recipe: $0, score: PushTCampaign.researchScore(record.results)) }
            }
            // Adopt first: a better recipe kept by another station is re-tried here as it is, before searching.
            let tried = Set(own.compactMap { PushTPlannerRecipes.recipe(from: $0.config) })
            let adoptable = fleetKept.filter { PushTCampaign.researchScore($0.results) > bestScore }.first
            if let adoptable, let recipe = PushTPlannerRecipes.recipe(from: adoptable.config), !tried.contains(recipe) {
                proposal = (recipe, "adopt: \(adoptable.station)'s kept recipe (\(adoptable.results.successes)/\(adoptable.results.trials))")
            } else {
                proposal = researcher.propose(known: known)
            }
        }

        /// Phase 2 of a round: run the trial on the development seeds, keep or revert, publish kept results.
        func execute(iteration: Int) async throws {
            guard let proposal else { return }
            let parameters = try PushTPlannerRecipes.parameters(for: proposal.recipe)
            let trialStart = Date()
            intervals.append(RobotInterval(robot: name, activity: .idle,
                                           startSeconds: thinkStart.timeIntervalSince(researchStart),
                                           endSeconds: trialStart.timeIntervalSince(researchStart)))
            var successes = 0, successSteps = 0
            var trialRobotSeconds = 0.0
            for seed in split.developmentSeeds {
                let episode = try await simulated.runEpisode(policy: PushTHeuristicExpert(parameters: parameters),
                                                             seed: seed, tags: ["split": "development"])
                if episode.summary.verdict?.success == true {
                    successes += 1
                    successSteps += episode.summary.stepCount
                }
                trialRobotSeconds += episode.summary.durationSeconds + (episode.summary.reset?.elapsedSeconds ?? 0)
            }
            let trialEnd = Date()
            intervals.append(RobotInterval(robot: name, activity: .experiment,
                                           startSeconds: trialStart.timeIntervalSince(researchStart),
                                           endSeconds: trialEnd.timeIntervalSince(researchStart)))
            robotSeconds += trialRobotSeconds
            let results = try TrialResults(successes: successes, trials: split.developmentSeeds.count,
                                           meanStepsToSuccess: successes > 0 ? Double(successSteps) / Double(successes) : nil)
            let score = PushTCampaign.researchScore(results)
            let keep = score > bestScore
            if keep {
                bestScore = score
                bestRate = results.rate
            }
            let record = ExperimentRecord(
                id: "\(name)-\(iteration)", task: "pusht", station: name, hypothesis: proposal.hypothesis,
                diffSummary: "recipe \(proposal.recipe)", config: PushTPlannerRecipes.config(proposal.recipe),
                frozenHash: frozenHash, trialBudget: split.developmentSeeds.count, results: results,
                decision: keep ? .keep : .revert, wallTimeSeconds: trialEnd.timeIntervalSince(thinkStart),
                robotTimeSeconds: trialRobotSeconds, tokens: 0,
                startedAtUnixSeconds: thinkStart.timeIntervalSince1970,
                finishedAtUnixSeconds: trialEnd.timeIntervalSince1970)
            try await ledger.append(record)
            if keep { _ = try await fleet.publish(record) }
            try checkpoint?(.researchTrial(station: name, iteration: iteration))
            curve.append(CurvePoint(iteration: iteration, robotSeconds: robotSeconds,
                                    wallSeconds: Date().timeIntervalSince(stationStart), trialRate: results.rate,
                                    bestRate: bestRate))
            log("[\(name)] \(iteration)/\(configuration.iterations) \(proposal.hypothesis.prefix(60)) -> \(successes)/\(split.developmentSeeds.count)\(results.meanStepsToSuccess.map { String(format: " in %.0f steps", $0) } ?? "") \(keep ? "keep" : "revert") (best \(Int((bestRate * 100).rounded()))%, robot \(Int(robotSeconds)) s)")
        }

        /// Runs `recipe` on `seeds` (the confirmation round); returns successes, their summed steps and robot
        /// seconds.
        func confirm(recipe: Recipe, seeds: [UInt64]) async throws -> ConfirmationRun {
            let parameters = try PushTPlannerRecipes.parameters(for: recipe)
            var run = ConfirmationRun()
            for seed in seeds {
                let episode = try await simulated.runEpisode(policy: PushTHeuristicExpert(parameters: parameters),
                                                             seed: seed, tags: ["split": "confirmation"])
                run.trials += 1
                if episode.summary.verdict?.success == true {
                    run.successes += 1
                    run.successSteps += episode.summary.stepCount
                }
                run.robotSeconds += episode.summary.durationSeconds + (episode.summary.reset?.elapsedSeconds ?? 0)
            }
            return run
        }

        func outcome() async -> StationOutcome {
            StationOutcome(name: name, curve: curve, records: await ledger.allRecords(), intervals: intervals)
        }
    }

    /// Scores a planner recipe on `seeds` through fresh evaluator stations, as the campaign's final scoring does.
    ///
    /// Under a camera reward the evaluator's camera (a mount and lighting no research station had) ends episodes as
    /// on hardware, and success is counted by gym-pusht's rule on the final state; the camera's calls and its
    /// agreement with the simulator are reported beside. With `robotReset` each episode starts with the pusher
    /// putting the T back (verified). `workers` evaluator stations run in parallel, each taking every n-th seed.
    public static func score(recipe: Recipe, label: String, seeds: [UInt64], robotReset: Bool = false,
                             cameraReward: PushTRewardModel? = nil, workers: Int = 2,
                             log: @escaping @Sendable (String) -> Void) async throws -> HeldOutScore {
        let parameters = try PushTPlannerRecipes.parameters(for: recipe)
        return try await score(label: label, seeds: seeds, robotReset: robotReset, cameraReward: cameraReward,
                               workers: workers, log: log) {
            PushTHeuristicExpert(parameters: parameters)
        }
    }

    /// Scores a policy on `seeds` (see ``score(recipe:label:seeds:robotReset:cameraReward:workers:log:)``).
    ///
    /// With `progress`, every scored episode is appended to that file as it finishes and episodes already in it
    /// (from a killed run) are counted, not run again.
    static func score(label: String, seeds: [UInt64], robotReset: Bool = false,
                      cameraReward: PushTRewardModel? = nil, workers: Int = 2, progress file: URL? = nil,
                      checkpoint: (@Sendable (Checkpoint) throws -> Void)? = nil,
                      log: @escaping @Sendable (String) -> Void,
                      policy: @escaping @Sendable () throws -> any Policy) async throws -> HeldOutScore {
        struct Tally: Sendable {
            var episodes = 0, successes = 0, successSteps = 0, cameraSuccesses = 0, agreements = 0
            var robot = 0.0
            mutating func add(_ other: Tally) {
                episodes += other.episodes
                successes += other.successes
                successSteps += other.successSteps
                cameraSuccesses += other.cameraSuccesses
                agreements += other.agreements
                robot += other.robot
            }
        }
        /// The running total over every lane (progress lines and the final score).
        actor Progress {
            var total = Tally()
            func add(_ tally: Tally) -> Tally {
                total.add(tally)
                return total
            }
        }
        let progress = Progress()
        let saved = file.map { HeldOutProgressFile(url: $0) }
        let finished = saved?.finished() ?? [:]
        let wanted = Set(seeds)
        for episode in finished.values where wanted.contains(episode.seed) {
            var one = Tally()
            one.episodes = 1
            one.cameraSuccesses = episode.called ? 1 : 0
            one.agreements = episode.called == episode.success ? 1 : 0
            one.successes = episode.success ? 1 : 0
            one.successSteps = episode.success ? episode.steps : 0
            one.robot = episode.robotSeconds
            _ = await progress.add(one)
        }
        let remaining = seeds.filter { finished[$0] == nil }
        if !finished.isEmpty {
            log("held-out: \(label) resuming: \(seeds.count - remaining.count) of \(seeds.count) episodes were scored before")
        } else {
            log("held-out: \(label) scoring \(seeds.count) episodes")
        }
        let lanes = max(1, min(workers, remaining.count))
        try await withThrowingTaskGroup(of: Void.self) { group in
            for lane in 0..<lanes {
                let laneSeeds = stride(from: lane, to: remaining.count, by: lanes).map { remaining[$0] }
                group.addTask {
                    // The evaluator's camera is not any research station's: its mount and lighting are new.
                    let simulated = try PushTSimulatedStation(name: "evaluator-\(lane + 1)", robotReset: robotReset,
                                                              cameraReward: cameraReward, judgeCameraSeed: 1_000_003)
                    for seed in laneSeeds {
                        let episode = try await simulated.runEpisode(policy: try policy(), seed: seed,
                                                                     tags: ["split": "heldout"])
                        var one = Tally()
                        one.episodes = 1
                        let called = episode.summary.verdict?.success == true
                        let succeeded = cameraReward == nil ? called
                            : await simulated.world.coverage > PushTGeometry.successThreshold
                        if called { one.cameraSuccesses = 1 }
                        if called == succeeded { one.agreements = 1 }
                        if succeeded {
                            one.successes = 1
                            one.successSteps = episode.summary.stepCount
                        }
                        // Robot time includes the reset before the episode (zero when start states are placed).
                        one.robot = episode.summary.durationSeconds + (episode.summary.reset?.elapsedSeconds ?? 0)
                        try await saved?.append(ScoredEpisode(seed: seed, success: succeeded, called: called,
                                                              steps: episode.summary.stepCount, robotSeconds: one.robot))
                        let sofar = await progress.add(one)
                        try checkpoint?(.heldOutEpisode(label: label, scored: sofar.episodes))
                        if cameraReward != nil || robotReset, sofar.episodes % 50 == 0 {
                            log("held-out: \(label) \(sofar.episodes)/\(seeds.count): \(sofar.successes) successes"
                                + (cameraReward == nil ? "" : " (camera called \(sofar.cameraSuccesses), agreed \(sofar.agreements))"))
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        await saved?.close()
        let total = await progress.total
        let interval = try WilsonInterval(successes: total.successes, trials: seeds.count)
        log("held-out: \(label) \(total.successes)/\(seeds.count) (95% CI \(percent(interval.lower))-\(percent(interval.upper)))")
        return HeldOutScore(policy: label, successes: total.successes, trials: seeds.count, wilsonLower: interval.lower,
                            wilsonUpper: interval.upper,
                            meanStepsToSuccess: total.successes > 0 ? Double(total.successSteps) / Double(total.successes) : 0,
                            robotSeconds: total.robot, cameraSuccesses: cameraReward == nil ? nil : total.cameraSuccesses,
                            cameraAgreements: cameraReward == nil ? nil : total.agreements)
    }

    /// Records demonstrations with `recipe`, trains a behaviour-cloned MLP on them and scores it.
    static func distil(recipe: Recipe, configuration: Configuration, seeds: [UInt64], output: URL,
                       log: @escaping @Sendable (String) -> Void) async throws -> (HeldOutScore, [String: Double]) {
        let parameters = try PushTPlannerRecipes.parameters(for: recipe)
        let simulated = try PushTSimulatedStation(name: "demonstrator")
        var demonstrations: [RecordedEpisode] = []
        for i in 0..<configuration.demonstrations {
            let episode = try await simulated.runEpisode(policy: PushTHeuristicExpert(parameters: parameters),
                                                         seed: demonstrationStart + UInt64(i), tags: ["split": "train"])
            if episode.summary.verdict?.success == true { demonstrations.append(episode) }
        }
        log("behaviour cloning: \(demonstrations.count) successful demonstrations, \(demonstrations.map(\.steps.count).reduce(0, +)) steps")
        let bc = BCConfiguration(
            observation: ObservationEncoding(featureKeys: [PushTFeatures.keypoints], includeArmPositions: true,
                                             includeArmVelocities: true),
            chunkSize: configuration.bcChunk, hiddenWidths: [256, 256], epochs: configuration.bcEpochs, learningRate: 1e-3,
            batchSize: 256, seed: configuration.seed, validationFraction: 0.1,
            progressEvery: max(1, configuration.bcEpochs / 4), relativeToArmPosition: true)
        let trainer = BCTrainer(configuration: bc, checkpointDirectory: output.appendingPathComponent("checkpoints/bc")) { progress in
            log("behaviour cloning: epoch \(progress.epoch) train loss \(progress.trainLoss)")
        }
        let trained = try await trainer.train(on: demonstrations)
        let policy = trained.policy
        let score = try await score(label: "behaviour-cloned MLP", seeds: seeds,
                                    workers: configuration.scoringWorkers, log: log) { policy }
        return (score, trained.metrics)
    }
}

extension PushTCampaign {
    /// First seed of the learned policy's training episodes (disjoint from development, demonstration and
    /// held-out seeds).
    static let learningStart: UInt64 = 3_000_000
    /// First seed of the learned policy's development rollouts (checkpoint selection).
    static let learningDevelopmentStart: UInt64 = 3_500_000

    /// Distils `recipe` into a learned camera policy with DAgger and scores it on the held-out seeds, reading only
    /// each evaluator station's camera and the pusher's state.
    static func learn(recipe: Recipe, configuration: Configuration, seeds: [UInt64], output: URL,
                      log: @escaping @Sendable (String) -> Void) async throws -> (HeldOutScore, LearnedPolicyDetails) {
        var settings = PushTPrimitiveLearner.Configuration()
        settings.library = try PushTPlannerRecipes.parameters(for: recipe)
        settings.rounds = configuration.learnedRounds
        settings.episodesPerRound = configuration.learnedEpisodesPerRound
        settings.minimumUpdates = configuration.learnedMinimumUpdates
        settings.developmentEpisodes = configuration.learnedDevelopmentEpisodes
        settings.trainingFirstSeed = learningStart
        settings.developmentFirstSeed = learningDevelopmentStart
        settings.workers = configuration.scoringWorkers
        settings.seed = configuration.seed
        log("learned policy: DAgger primitive selector, teacher = best recipe (privileged planner), \(settings.rounds) rounds x \(settings.episodesPerRound) episodes")
        let result = try PushTPrimitiveLearner(configuration: settings).run { progress in
            if progress.phase == "round" { log("learned policy: \(progress.message)") }
        }
        let checkpoint = output.appendingPathComponent("checkpoints/learned")
        try result.model.save(to: checkpoint)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(result.curve).write(to: checkpoint.appendingPathComponent("curve.json"), options: .atomic)
        let summary = try await PushTPolicyEvaluation.evaluate(model: result.model, mode: .camera, seeds: seeds,
                                                               workers: configuration.scoringWorkers) { done, total in
            if done % 100 == 0 || done == total { log("held-out: learned policy (camera) \(done)/\(total)") }
        }
        log("held-out: learned policy (camera) \(summary.successes)/\(summary.episodes) (95% CI \(percent(summary.wilsonLow))-\(percent(summary.wilsonHigh))), mean max coverage \(String(format: "%.3f", summary.meanMaximumCoverage))")
        let score = HeldOutScore(policy: "learned primitive selector, camera (DAgger)", successes: summary.successes,
                                 trials: summary.episodes, wilsonLower: summary.wilsonLow, wilsonUpper: summary.wilsonHigh,
                                 meanStepsToSuccess: summary.meanStepsToSuccess, robotSeconds: summary.robotSeconds)
        let details = LearnedPolicyDetails(
            paradigm: settings.paradigm.rawValue, observe: ObservationMode.camera.rawValue, teacher: recipe,
            trainingWallSeconds: result.wallSeconds, trainingRobotSeconds: result.curve.last?.robotSeconds ?? 0,
            keptRound: result.keptRound, curve: result.curve, meanMaximumCoverage: summary.meanMaximumCoverage,
            checkpoint: checkpoint.path)
        return (score, details)
    }
}

/// Why a campaign could not start.
public enum CampaignError: Error, CustomStringConvertible {
    /// The output folder already holds files (an earlier campaign's ledgers or fleet).
    case outputNotEmpty(String)
    /// `--resume` was given a folder it cannot continue.
    case notResumable(String, reason: String)

    /// A message a user can act on.
    public var description: String {
        switch self {
        case .outputNotEmpty(let path):
            return "output folder \(path) is not empty; an earlier campaign's ledgers and fleet would leak into this one: choose a new --output, or continue it with `enpire main --resume \(path)`"
        case let .notResumable(path, reason):
            return "cannot resume \(path): \(reason); start a new campaign with `enpire main --output NEW`"
        }
    }
}

func percent(_ value: Double) -> String { "\(Int((value * 100).rounded()))%" }
