import Enpire
import EnpireFleet
import Foundation
import Logging

/// One station of a campaign's fleet: its station, ledger, fleet clone and researcher.
///
/// Stations advance in synchronous rounds: every station decides (fleet sync, then adopt or propose) before any
/// station runs its trial, and kept results are published at the end of the round. A station therefore only ever
/// sees results from earlier rounds, so robot time stays consistent across the fleet (all robots run in parallel)
/// and the fleet-size comparison is fair.
actor CampaignStation {
    struct Outcome: Sendable {
        var name: String
        var curve: [CurvePoint]
        var records: [ExperimentRecord]
        var intervals: [RobotInterval]
    }

    let name: String
    /// Position in the fleet (0 for `station-1`).
    let index: Int
    let task: any ResearchTask
    let configuration: ResearchCampaign.Configuration
    let frozenHash: String
    let split: SeedSplit
    let researchStart: Date
    let logger: Logger
    let ledger: ExperimentLedger
    let fleet: FleetStation
    let station: any ResearchStation
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
    let checkpoint: (@Sendable (CampaignCheckpoint) throws -> Void)?
    let monitor: CampaignMonitor?
    /// Taken out of service by an emergency stop: no more trials or confirmation blocks in this campaign.
    private(set) var stopped = false

    init(index: Int, task: any ResearchTask, configuration: ResearchCampaign.Configuration, remote: FleetRemote,
         frozenHash: String, split: SeedSplit, output: URL, researchStart: Date,
         checkpoint: (@Sendable (CampaignCheckpoint) throws -> Void)?,
         monitor: CampaignMonitor? = nil, logger: Logger) async throws {
        name = "station-\(index + 1)"
        self.index = index
        self.task = task
        self.configuration = configuration
        self.frozenHash = frozenHash
        self.split = split
        self.researchStart = researchStart
        self.checkpoint = checkpoint
        self.monitor = monitor
        self.logger = logger
        let folder = output.appendingPathComponent("stations/\(name)")
        ledger = try ExperimentLedger(fileURL: folder.appendingPathComponent("ledger.jsonl"), createIfMissing: true)
        fleet = try await FleetStation(name: name, remote: remote, clonePath: folder.appendingPathComponent("clone"))
        station = try await task.makeStation(role: .research(index: index), name: name)
        monitor?.register(name: name, role: "research", station: station.liveStation)
        // A resumed station continues from its ledger: the trials it finished, its best kept result, its curve;
        // its researcher is re-seeded past the proposals it already made.
        let stationName = name
        let done = await ledger.allRecords().filter { $0.station == stationName && $0.frozenHash == frozenHash }
        finishedIterations = done.count
        stationStart = done.first.map { Date(timeIntervalSince1970: $0.startedAtUnixSeconds) } ?? Date()
        researcher = BuiltInResearcher(space: task.space, initial: configuration.initialRecipe ?? task.baseline,
                                       exploration: configuration.exploration, seed: configuration.seed &* 1_000_003 &+ UInt64(index)
                                           &+ UInt64(done.count) &* 0x9E37_79B9_7F4A_7C15)
        for (offset, record) in done.enumerated() {
            robotSeconds += record.robotTimeSeconds
            if record.decision == .keep {
                bestScore = max(bestScore, task.researchScore(record.results))
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

    /// The task's recipe a record ran, when it is one the task accepts.
    func recipe(of record: ExperimentRecord) -> Recipe? {
        record.recipe.flatMap { task.accepts($0) ? $0 : nil }
    }

    /// Phase 1 of a round: sync the fleet, then adopt a better kept recipe or propose a new one.
    func decide(iteration: Int) async throws {
        proposal = nil
        guard iteration > finishedIterations, !inspectStop() else { return }
        thinkStart = Date()
        try await fleet.sync()
        let own = await ledger.allRecords()
        let fleetKept = try await fleet.view(task: task.name, frozenHash: frozenHash).records.filter { $0.station != name }
        let known = (own + fleetKept).compactMap { record in
            recipe(of: record).map { BuiltInResearcher.Result(recipe: $0, score: task.researchScore(record.results)) }
        }
        // Adopt first: a better recipe kept by another station is re-tried here as it is, before searching.
        let tried = Set(own.compactMap { recipe(of: $0) })
        let adoptable = fleetKept.first { task.researchScore($0.results) > bestScore }
        if let adoptable, let recipe = recipe(of: adoptable), !tried.contains(recipe) {
            proposal = (recipe, "adopt: \(adoptable.station)'s kept recipe (\(adoptable.results.successes)/\(adoptable.results.trials))")
        } else {
            proposal = researcher.propose(known: known)
        }
    }

    /// Phase 2 of a round: run the trial on the development seeds, keep or revert, publish kept results.
    func execute(iteration: Int) async throws {
        guard let proposal, !inspectStop() else { return }
        let policy = try task.policy(for: proposal.recipe)
        let trialStart = Date()
        intervals.append(RobotInterval(robot: name, activity: .idle,
                                       startSeconds: thinkStart.timeIntervalSince(researchStart),
                                       endSeconds: trialStart.timeIntervalSince(researchStart)))
        let trialID = "\(name)-\(iteration)"
        monitor?.started(name, activity: "trial", detail: proposal.hypothesis, trial: trialID,
                         episodes: split.developmentSeeds.count)
        guard let tally = try await run(policy: policy, seeds: split.developmentSeeds, split: "development",
                                        what: "trial \(trialID)") else { return }
        let trialEnd = Date()
        intervals.append(RobotInterval(robot: name, activity: .experiment,
                                       startSeconds: trialStart.timeIntervalSince(researchStart),
                                       endSeconds: trialEnd.timeIntervalSince(researchStart)))
        robotSeconds += tally.robotSeconds
        let results = try tally.results()
        let score = task.researchScore(results)
        let keep = score > bestScore
        if keep {
            bestScore = score
            bestRate = results.rate
        }
        let record = ExperimentRecord(
            id: "\(name)-\(iteration)", task: task.name, station: name, hypothesis: proposal.hypothesis,
            diffSummary: "recipe \(proposal.recipe)", recipe: proposal.recipe, config: proposal.recipe.config,
            frozenHash: frozenHash, trialBudget: split.developmentSeeds.count, results: results,
            decision: keep ? .keep : .revert, wallTimeSeconds: trialEnd.timeIntervalSince(thinkStart),
            robotTimeSeconds: tally.robotSeconds, tokens: 0, startedAtUnixSeconds: thinkStart.timeIntervalSince1970,
            finishedAtUnixSeconds: trialEnd.timeIntervalSince1970)
        try await ledger.append(record)
        if keep { _ = try await fleet.publish(record) }
        monitor?.finished(name, record: record)
        try checkpoint?(.researchTrial(station: name, iteration: iteration))
        curve.append(CurvePoint(iteration: iteration, robotSeconds: robotSeconds,
                                wallSeconds: Date().timeIntervalSince(stationStart), trialRate: results.rate,
                                bestRate: bestRate))
        logger.info("[\(name)] \(iteration)/\(configuration.iterations) \(proposal.hypothesis.prefix(60)) -> \(tally.called)/\(tally.episodes)\(results.meanStepsToSuccess.map { String(format: " in %.0f steps", $0) } ?? "") \(keep ? "keep" : "revert") (best \(Int((bestRate * 100).rounded()))%, robot \(Int(robotSeconds)) s)")
    }

    /// Runs `recipe` on `seeds` (a confirmation block); `nil` when an emergency stop took the station out of
    /// service (the block is discarded).
    func confirm(recipe: Recipe, seeds: [UInt64]) async throws -> TrialTally? {
        guard !inspectStop() else { return nil }
        monitor?.started(name, activity: "confirmation", detail: "recipe \(recipe)", episodes: seeds.count)
        let tally = try await run(policy: try task.policy(for: recipe), seeds: seeds, split: "confirmation",
                                  what: "a confirmation block")
        if tally != nil { monitor?.finished(name) }
        return tally
    }

    /// Runs a trial through the station; `nil` when the station's emergency stop (from the monitor, or latched on
    /// the station itself) ended it: the station leaves service and nothing of the trial is counted.
    private func run(policy: any Policy, seeds: [UInt64], split: String, what: String) async throws -> TrialTally? {
        let name = name, monitor = monitor
        do {
            return try await TrialRunner.run(
                station: station, policy: policy, seeds: seeds, split: split,
                beforeEach: { if monitor?.isStopped(name) == true { throw StationError.emergencyStopLatched } },
                afterEach: { monitor?.episodeFinished(name, robotSeconds: $0.robotSeconds) })
        } catch StationError.emergencyStopLatched {
            stopped = true
            monitor?.stopped(name, reason: "emergency stop during \(what) (discarded)")
            logger.warning("[\(name)] emergency stop: \(what) discarded (not recorded, not counted); the station holds and takes no more work in this campaign")
            return nil
        }
    }

    /// Whether the station is out of service (stopped here or through the monitor).
    private func inspectStop() -> Bool {
        if !stopped, monitor?.isStopped(name) == true {
            stopped = true
            logger.warning("[\(name)] out of service (emergency stop): it takes no more work in this campaign")
        }
        return stopped
    }

    func outcome() async -> Outcome {
        Outcome(name: name, curve: curve, records: await ledger.allRecords(), intervals: intervals)
    }
}
