public import Enpire
public import Logging
public import Foundation

/// One point of a station's learning curve.
public struct CurvePoint: Sendable, Codable, Equatable {
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

/// Work a campaign runs after held-out scoring of the recipes, on the same sealed seeds: distilling the best
/// recipe into a learned policy and scoring it, for example. A follow-up keeps its own progress (under
/// `CampaignFiles.progressURL`) if it should survive `--resume`.
public struct FollowUp: Sendable {
    /// What it is, for logs.
    public var name: String
    /// The work.
    public var run: @Sendable (FollowUpContext) async throws -> FollowUpResult

    /// Creates a follow-up.
    public init(name: String, run: @escaping @Sendable (FollowUpContext) async throws -> FollowUpResult) {
        self.name = name
        self.run = run
    }
}

/// What a follow-up gets.
public struct FollowUpContext: Sendable {
    /// The task.
    public var task: any ResearchTask
    /// The recipe the campaign kept.
    public var bestRecipe: Recipe
    /// The unsealed held-out seeds.
    public var heldOutSeeds: [UInt64]
    /// The campaign's folder.
    public var output: URL
    /// The campaign's configuration.
    public var configuration: ResearchCampaign.Configuration
    /// A scorer on the campaign's evaluator stations.
    public var scorer: HeldOutScorer
    /// Where progress lines go (`info` level).
    public var logger: Logger
}

/// What a follow-up reports.
public struct FollowUpResult: Sendable, Codable, Equatable {
    /// Its held-out score.
    public var score: HeldOutScore
    /// Numbers worth reporting (training seconds, validation metrics).
    public var metrics: [String: Double]
    /// What the scored policy reads, and whether that is privileged, in words.
    public var note: String

    /// Creates a result.
    public init(score: HeldOutScore, metrics: [String: Double] = [:], note: String = "") {
        self.score = score
        self.metrics = metrics
        self.note = note
    }
}

/// Everything a campaign's report shows.
public struct ResearchResult: Sendable, Codable {
    /// The task's name.
    public var task: String
    /// How the task's recipes are privileged, if they are.
    public var privilege: String?
    /// The configuration used.
    public var configuration: ResearchCampaign.Configuration
    /// Hash of the frozen evaluation criteria.
    public var frozenHash: String
    /// Learning curve per station.
    public var curves: [String: [CurvePoint]]
    /// Every ledger record of every station.
    public var records: [ExperimentRecord]
    /// The best kept recipe in the fleet (after confirmation).
    public var bestRecipe: Recipe
    /// Held-out score of the best recipe (absent when final evaluation was off).
    public var best: HeldOutScore?
    /// Held-out score of the baseline (absent when final evaluation or baseline scoring was off).
    public var baseline: HeldOutScore?
    /// Follow-ups' results, in order.
    public var followUps: [FollowUpResult]
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
    /// The confirmation round.
    public var confirmation: [ConfirmationEntry]
    /// Robot seconds of the confirmation round summed over stations.
    public var confirmationRobotSeconds: Double
    /// How many times the campaign was resumed after an interruption.
    public var resumes: Int

    init(task: String, privilege: String?, configuration: ResearchCampaign.Configuration, frozenHash: String,
         outcomes: [CampaignStation.Outcome], researchStart: Date, researchWall: Double, bestRecipe: Recipe,
         best: HeldOutScore?, baseline: HeldOutScore?, followUps: [FollowUpResult],
         confirmation: [ConfirmationEntry], confirmationRobotSeconds: Double, totalWallSeconds: Double, resumes: Int) {
        // Each robot is measured over its own research span (from its first decision to its last trial), so a
        // station that finished early is not counted idle while the others still work.
        var robots: [RobotUtilization] = []
        var fleet = RobotTimeline()
        for outcome in outcomes {
            var timeline = RobotTimeline()
            for interval in outcome.intervals {
                timeline.append(interval)
                fleet.append(interval)
            }
            robots += timeline.utilization(robots: [outcome.name]).robots
        }
        var utilization = fleet.utilization(from: 0, to: researchWall)
        utilization.robots = robots
        self.task = task
        self.privilege = privilege
        self.configuration = configuration
        self.frozenHash = frozenHash
        curves = Dictionary(uniqueKeysWithValues: outcomes.map { ($0.name, $0.curve) })
        records = outcomes.flatMap(\.records)
        self.bestRecipe = bestRecipe
        self.best = best
        self.baseline = baseline
        self.followUps = followUps
        self.utilization = utilization
        researchWallSeconds = researchWall
        self.totalWallSeconds = totalWallSeconds
        researchRobotSeconds = outcomes.map { $0.curve.last?.robotSeconds ?? 0 }.reduce(0, +)
        robotSecondsTo95 = Dictionary(uniqueKeysWithValues: outcomes.compactMap { outcome in
            outcome.curve.first { $0.bestRate >= 0.95 }.map { (outcome.name, $0.robotSeconds) }
        })
        self.confirmation = confirmation
        self.confirmationRobotSeconds = confirmationRobotSeconds
        self.resumes = resumes
    }

    /// Fleet robot time to a success rate: the fewest robot seconds any station (all run in parallel) needed until
    /// its best kept development rate reached `rate`, or `nil` if none did.
    public func fleetRobotSeconds(toReach rate: Double) -> Double? {
        curves.values.compactMap { curve in curve.first { $0.bestRate >= rate }?.robotSeconds }.min()
    }
}
