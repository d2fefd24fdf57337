public import Enpire
public import Logging
public import Foundation

/// A final score on held-out seeds.
public struct HeldOutScore: Sendable, Codable, Equatable {
    /// What was scored.
    public var policy: String
    /// Successes (ground truth where the station has it).
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
    /// Episodes the station's own reward called successes (nil when the reward is the ground truth).
    public var cameraSuccesses: Int?
    /// Episodes where the station's final verdict agreed with the ground truth.
    public var cameraAgreements: Int?

    /// Creates a score.
    public init(policy: String, successes: Int, trials: Int, wilsonLower: Double, wilsonUpper: Double,
                meanStepsToSuccess: Double, robotSeconds: Double, cameraSuccesses: Int? = nil,
                cameraAgreements: Int? = nil) {
        self.policy = policy
        self.successes = successes
        self.trials = trials
        self.wilsonLower = wilsonLower
        self.wilsonUpper = wilsonUpper
        self.meanStepsToSuccess = meanStepsToSuccess
        self.robotSeconds = robotSeconds
        self.cameraSuccesses = cameraSuccesses
        self.cameraAgreements = cameraAgreements
    }

    /// The score of a tally: ground-truth successes with their Wilson interval; the station's own calls and their
    /// agreement when `verdictIsGroundTruth` is false.
    public init(policy: String, tally: TrialTally, verdictIsGroundTruth: Bool) throws {
        let interval = try WilsonInterval(successes: tally.successes, trials: tally.episodes)
        self.init(policy: policy, successes: tally.successes, trials: tally.episodes, wilsonLower: interval.lower,
                  wilsonUpper: interval.upper,
                  meanStepsToSuccess: tally.successes > 0 ? Double(tally.successSteps) / Double(tally.successes) : 0,
                  robotSeconds: tally.robotSeconds, cameraSuccesses: verdictIsGroundTruth ? nil : tally.called,
                  cameraAgreements: verdictIsGroundTruth ? nil : tally.agreements)
    }
}

/// Scores policies on held-out seeds through fresh evaluator stations (the task's `.evaluation` role: a set-up no
/// research station had), in parallel, saving every scored episode so a killed campaign resumes where it was.
public struct HeldOutScorer: Sendable {
    /// The task.
    public let task: any ResearchTask
    /// Evaluator stations in parallel.
    public let workers: Int
    /// Campaign folder (progress files go to `progress/`); `nil` keeps nothing on disk.
    public let output: URL?
    let checkpoint: (@Sendable (CampaignCheckpoint) throws -> Void)?
    let logger: Logger
    /// Receives a progress event every 10 scored episodes and at the end.
    public var progress: (@Sendable (ProgressEvent) -> Void)?
    /// Shows the evaluator stations and the scores, and carries their emergency stops: a stopped evaluator's
    /// interrupted episode is not counted and goes to the evaluators still in service.
    public var monitor: CampaignMonitor?

    /// Creates a scorer.
    public init(task: any ResearchTask, workers: Int, output: URL?,
                checkpoint: (@Sendable (CampaignCheckpoint) throws -> Void)? = nil,
                logger: Logger = Logger(label: "enpire.research.heldout")) {
        self.task = task
        self.workers = workers
        self.output = output
        self.checkpoint = checkpoint
        self.logger = logger
    }

    /// Scores the policies `policy()` makes (one per episode) on `seeds`; with an output folder, episodes are
    /// appended to `progress/<progressName>` as they finish and episodes already there are counted, not rerun.
    /// `phase` names the seeds in logs and progress events (`held-out`, or `development` for seeds a choice is
    /// made on).
    public func score(label: String, progressName: String? = nil, seeds: [UInt64], phase: String = "held-out",
                      policy: @escaping @Sendable () throws -> any Policy) async throws -> HeldOutScore {
        let file: HeldOutProgressFile? = if let output, let progressName {
            HeldOutProgressFile(url: CampaignFiles.progressURL(output, progressName))
        } else { nil }
        let finished = file?.finished() ?? [:]
        var tally = TrialTally()
        for seed in Set(seeds) { if let done = finished[seed] { tally.add(done.outcome) } }
        let remaining = seeds.filter { finished[$0] == nil }
        logger.info(finished.isEmpty ? "\(phase): \(label) scoring \(seeds.count) episodes"
            : "\(phase): \(label) resuming: \(seeds.count - remaining.count) of \(seeds.count) episodes were scored before")
        let progress = Progress(total: tally)
        let started = Date()
        let alreadyScored = tally.episodes
        let task = self.task, checkpoint = self.checkpoint, logger = self.logger, report = self.progress
        let monitor = self.monitor
        let lanes = max(1, min(workers, remaining.count))
        let outcomes = try await ParallelEpisodes.run(count: remaining.count, lanes: lanes) { lane in
            let name = "evaluator-\(lane + 1)"
            let station = try await task.makeStation(role: .evaluation(lane: lane), name: name)
            monitor?.register(name: name, role: "evaluation", station: station.liveStation)
            monitor?.started(name, activity: "held-out", detail: label, episodes: 0)
            return (name: name, station: station)
        } body: { lane, index in
            let seed = remaining[index]
            guard monitor?.isStopped(lane.name) != true else {
                throw ParallelEpisodes.LaneStopped(reason: "\(lane.name): emergency stop")
            }
            let outcome: EpisodeOutcome
            do {
                outcome = try await lane.station.runCheckedEpisode(policy: try policy(), seed: seed, split: "heldout")
            } catch StationError.emergencyStopLatched {
                monitor?.stopped(lane.name, reason: "emergency stop during held-out scoring (episode rerun elsewhere)")
                logger.warning("\(phase): \(lane.name) emergency stop: its interrupted episode is not counted and goes to another evaluator")
                throw ParallelEpisodes.LaneStopped(reason: "\(lane.name): emergency stop")
            }
            monitor?.episodeFinished(lane.name, robotSeconds: outcome.robotSeconds)
            try await file?.append(ScoredEpisode(seed: seed, outcome: outcome))
            let sofar = await progress.add(outcome)
            try checkpoint?(.heldOutEpisode(label: label, scored: sofar.episodes))
            let event = ProgressEvent(phase: phase.replacingOccurrences(of: "-", with: ""), label: label, done: sofar.episodes, total: seeds.count,
                                      since: started, doneBefore: alreadyScored)
            if sofar.episodes % 10 == 0 || sofar.episodes == seeds.count { report?(event) }
            if sofar.episodes % 100 == 0, sofar.episodes < seeds.count {
                logger.info("\(phase): \(label) \(sofar.episodes)/\(seeds.count): \(sofar.successes) successes, \(event.etaText)")
            }
            return outcome
        }
        await file?.close()
        for lane in 0..<lanes { monitor?.finished("evaluator-\(lane + 1)") }
        for outcome in outcomes { tally.add(outcome) }
        let score = try HeldOutScore(policy: label, tally: tally, verdictIsGroundTruth: task.verdictIsGroundTruth)
        monitor?.scored(score)
        logger.info("\(phase): \(label) \(score.successes)/\(score.trials) (95% CI \(Percent.text(score.wilsonLower))-\(Percent.text(score.wilsonUpper)))")
        return score
    }

    private actor Progress {
        var total: TrialTally
        init(total: TrialTally) { self.total = total }
        func add(_ outcome: EpisodeOutcome) -> TrialTally {
            total.add(outcome)
            return total
        }
    }
}

/// Whole percentages for logs and reports.
public enum Percent {
    /// `0.953` → `95%`.
    public static func text(_ value: Double) -> String { "\(Int((value * 100).rounded()))%" }
}
