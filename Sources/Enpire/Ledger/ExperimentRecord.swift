/// Whether an iteration's change was kept or reverted, or that the record is a held-out evaluation.
public enum ExperimentDecision: String, Sendable, Codable, Hashable {
    /// The change improved the score and stays.
    case keep
    /// The change did not help and was undone.
    case revert
    /// Not a change: a held-out evaluation of an existing recipe, recorded so that every look at the held-out
    /// seeds is counted (its results are held-out aggregates; it is never published or ranked as a kept result).
    case evaluation
    /// The trial's policy code did not build or start: nothing ran on the robot (robot time 0); the record's
    /// ``ExperimentRecord/failure`` holds the compiler's (or interpreter's) output.
    case buildFailed = "build-failed"
}

/// Outcome of an iteration's trials: counts, rate and Wilson 95% interval.
public struct TrialResults: Sendable, Codable, Equatable {
    /// Successful trials.
    public var successes: Int
    /// Trials run.
    public var trials: Int
    /// successes / trials (0 without trials).
    public var rate: Double
    /// Lower bound of the Wilson 95% interval.
    public var wilsonLower: Double
    /// Upper bound of the Wilson 95% interval.
    public var wilsonUpper: Double
    /// Mean control steps of the successful trials, when the runner measured it (records written before this
    /// field existed decode with `nil`).
    public var meanStepsToSuccess: Double?

    /// Computes rate and interval from the counts; throws on impossible counts or a negative or non-finite
    /// `meanStepsToSuccess`.
    public init(successes: Int, trials: Int, meanStepsToSuccess: Double? = nil) throws {
        let interval = try WilsonInterval(successes: successes, trials: trials)
        if let steps = meanStepsToSuccess, !(steps.isFinite && steps >= 0) {
            throw EvaluationError.invalidMeanSteps(steps)
        }
        self.successes = successes
        self.trials = trials
        rate = interval.rate
        wilsonLower = interval.lower
        wilsonUpper = interval.upper
        self.meanStepsToSuccess = successes > 0 ? meanStepsToSuccess : nil
    }
}

/// One iteration of the research loop, as written to the experiment ledger and shared with the fleet.
public struct ExperimentRecord: Sendable, Codable, Equatable, Identifiable {
    /// Unique identifier (also the file name of the record in fleet commits).
    public var id: String
    /// Task name.
    public var task: String
    /// Station that ran the trials.
    public var station: String
    /// What the agent expected this change to do.
    public var hypothesis: String
    /// Code commit the change started from, when the agent works in a repository.
    public var parentCommit: String?
    /// The commit the trial ran (a code workspace's trial commit), when it ran code from a repository.
    public var commit: String?
    /// Why the trial could not run (``ExperimentDecision/buildFailed``): the end of the build's or the policy
    /// process's output.
    public var failure: String?
    /// Short description of the code change (for example `git diff --stat`).
    public var diffSummary: String?
    /// The recipe: hyperparameters and choices that reproduce the policy.
    public var config: [String: String]
    /// The recipe the trial ran, typed. Records written before recipes were typed carry it in ``config``
    /// (`family` plus numeric values) and decode with it filled in from there.
    public var recipe: Recipe?
    /// References to the data used (episode-store paths or dataset hashes).
    public var dataRefs: [String]
    /// Content hashes of checkpoints in a `CheckpointStore` (EnpireFleet).
    public var checkpointRefs: [String]
    /// Frozen-criteria hash the trials were scored under.
    public var frozenHash: String
    /// Trials the agent was allowed.
    public var trialBudget: Int
    /// What the trials showed.
    public var results: TrialResults
    /// Keep or revert.
    public var decision: ExperimentDecision
    /// Wall-clock time the iteration took, in seconds.
    public var wallTimeSeconds: Double
    /// Robot time the trials used, in seconds.
    public var robotTimeSeconds: Double
    /// Agent tokens spent on the iteration.
    public var tokens: Int
    /// Start, seconds since 1970.
    public var startedAtUnixSeconds: Double
    /// End, seconds since 1970.
    public var finishedAtUnixSeconds: Double

    /// Creates a record.
    public init(id: String, task: String, station: String, hypothesis: String, parentCommit: String? = nil,
                commit: String? = nil, failure: String? = nil, diffSummary: String? = nil, recipe: Recipe? = nil, config: [String: String] = [:],
                dataRefs: [String] = [],
                checkpointRefs: [String] = [], frozenHash: String, trialBudget: Int, results: TrialResults,
                decision: ExperimentDecision, wallTimeSeconds: Double, robotTimeSeconds: Double, tokens: Int,
                startedAtUnixSeconds: Double, finishedAtUnixSeconds: Double) {
        self.id = id
        self.task = task
        self.station = station
        self.hypothesis = hypothesis
        self.parentCommit = parentCommit
        self.commit = commit
        self.failure = failure
        self.diffSummary = diffSummary
        self.config = config
        self.recipe = recipe
        self.dataRefs = dataRefs
        self.checkpointRefs = checkpointRefs
        self.frozenHash = frozenHash
        self.trialBudget = trialBudget
        self.results = results
        self.decision = decision
        self.wallTimeSeconds = wallTimeSeconds
        self.robotTimeSeconds = robotTimeSeconds
        self.tokens = tokens
        self.startedAtUnixSeconds = startedAtUnixSeconds
        self.finishedAtUnixSeconds = finishedAtUnixSeconds
    }

    /// Ranks kept results, the one rule every command uses (`status`, `eval`, `fleet sync`, the campaign):
    /// higher Wilson lower bound first, then higher rate, then fewer mean steps to success, then more trials,
    /// then id.
    ///
    /// The lower bound, not the raw rate, leads so that 1/1 does not beat 45/50 (or 2/3).
    public static func isBetter(_ lhs: ExperimentRecord, than rhs: ExperimentRecord) -> Bool {
        if lhs.results.wilsonLower != rhs.results.wilsonLower {
            return lhs.results.wilsonLower > rhs.results.wilsonLower
        }
        if lhs.results.rate != rhs.results.rate { return lhs.results.rate > rhs.results.rate }
        let lhsSteps = lhs.results.meanStepsToSuccess ?? .infinity
        let rhsSteps = rhs.results.meanStepsToSuccess ?? .infinity
        if lhsSteps != rhsSteps { return lhsSteps < rhsSteps }
        if lhs.results.trials != rhs.results.trials { return lhs.results.trials > rhs.results.trials }
        return lhs.id < rhs.id
    }

    enum CodingKeys: String, CodingKey {
        case id, task, station, hypothesis, parentCommit, commit, failure, diffSummary, config, recipe, dataRefs, checkpointRefs
        case frozenHash, trialBudget, results, decision, wallTimeSeconds, robotTimeSeconds, tokens
        case startedAtUnixSeconds, finishedAtUnixSeconds
    }

    /// Decodes a record; one written before records carried a typed ``recipe`` gets it from ``config``.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        task = try c.decode(String.self, forKey: .task)
        station = try c.decode(String.self, forKey: .station)
        hypothesis = try c.decode(String.self, forKey: .hypothesis)
        parentCommit = try c.decodeIfPresent(String.self, forKey: .parentCommit)
        commit = try c.decodeIfPresent(String.self, forKey: .commit)
        failure = try c.decodeIfPresent(String.self, forKey: .failure)
        diffSummary = try c.decodeIfPresent(String.self, forKey: .diffSummary)
        config = try c.decodeIfPresent([String: String].self, forKey: .config) ?? [:]
        recipe = try c.decodeIfPresent(Recipe.self, forKey: .recipe) ?? Recipe(config: config)
        dataRefs = try c.decodeIfPresent([String].self, forKey: .dataRefs) ?? []
        checkpointRefs = try c.decodeIfPresent([String].self, forKey: .checkpointRefs) ?? []
        frozenHash = try c.decode(String.self, forKey: .frozenHash)
        trialBudget = try c.decode(Int.self, forKey: .trialBudget)
        results = try c.decode(TrialResults.self, forKey: .results)
        decision = try c.decode(ExperimentDecision.self, forKey: .decision)
        wallTimeSeconds = try c.decode(Double.self, forKey: .wallTimeSeconds)
        robotTimeSeconds = try c.decode(Double.self, forKey: .robotTimeSeconds)
        tokens = try c.decode(Int.self, forKey: .tokens)
        startedAtUnixSeconds = try c.decode(Double.self, forKey: .startedAtUnixSeconds)
        finishedAtUnixSeconds = try c.decode(Double.self, forKey: .finishedAtUnixSeconds)
    }
}
