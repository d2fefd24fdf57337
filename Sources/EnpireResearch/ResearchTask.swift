public import Enpire

/// A task the research loop can improve: what it searches (a recipe space), how a recipe becomes a policy, the
/// stations it runs on and the frozen criteria it is judged by.
///
/// Conform a type in your own package and register it (``TaskRegistry``) to get the research loop
/// (``ResearchCampaign``), the agent workspace (``ResearchWorkspace``) and the `enpire` commands for it. The
/// built-in Push-T, pin-insertion and zip-tie tasks conform the same way (EnpireTasks). Docs/Tasks.md walks
/// through adding one.
public protocol ResearchTask: Sendable {
    /// Registry name, used by `--task` (lower case, no spaces), for example `pusht`.
    var name: String { get }
    /// Other names `--task` accepts (for example `pin-insertion` for `pin`).
    var aliases: [String] { get }
    /// One line for `enpire tasks` and reports.
    var summary: String { get }
    /// The recipes research may propose: a family and one typed range per parameter.
    var space: RecipeSpace { get }
    /// The recipe every station starts from.
    var baseline: Recipe { get }
    /// Control steps an episode may take at most.
    var episodeLimit: Int { get }
    /// The frozen parts of the evaluation criteria (the campaign adds the seed split and hashes them).
    var criteria: TaskCriteria { get }
    /// How the policies of this task's recipes are privileged, if they are (for example "the expert reads the
    /// simulator's exact hole pose"); `nil` when a policy reads only what a real station gives it. Reports print it
    /// next to every figure of a recipe.
    var privilege: String? { get }
    /// The policy a recipe describes; throws a ``ResearchError/badRecipe(_:)`` (or the task's own error) for a
    /// recipe outside the task's space.
    func policy(for recipe: Recipe) throws -> any Policy
    /// A station for `role`, named `name`; a research station `index` differs from the others where a real fleet
    /// differs (its camera's mount and lighting, for example).
    func makeStation(role: StationRole, name: String) async throws -> any ResearchStation
    /// A station like ``makeStation(role:name:)`` whose episodes are also handed to `recorder` (steps and camera
    /// frames); workspace trials use it to keep episode summaries and the latest frames for the agent. The default
    /// ignores `recorder` (the task's trials then record nothing, and tools that read recordings say so).
    func makeStation(role: StationRole, name: String, recorder: any EpisodeRecorder) async throws -> any ResearchStation
    /// The score research ranks trial results by (higher is better). The default is the success rate with equal
    /// rates ordered by speed (see ``ResearchScore/rateThenSpeed(_:episodeLimit:)``).
    func researchScore(_ results: TrialResults) -> Double
    /// Whether the stations' own verdict is the ground truth (a simulator's success rule); when false, held-out
    /// scores report the stations' calls and their agreement with the ground truth beside the successes.
    var verdictIsGroundTruth: Bool { get }
    /// The research budget `enpire main --task` uses when the command line does not set it (iterations,
    /// exploration, ...): a task whose recipe space is hard to search from its baseline asks for more. The default
    /// is `ResearchCampaign.Configuration()`.
    var campaignDefaults: ResearchCampaign.Configuration { get }
    /// Options the task takes (`--task-option NAME=VALUE`), name to meaning; empty by default.
    var options: [String: String] { get }
    /// This task with `options` applied; throws ``ResearchError/badOption(task:option:reason:)`` for an option
    /// it does not have or a bad value. The default accepts only no options.
    func configured(_ options: [String: String]) throws -> any ResearchTask
    /// The policy code a code workspace of this task starts from (`enpire init --code`): the recipe as code. The
    /// default is ``PolicyCodeTemplate/generic(for:)`` (the baseline recipe as a Python dictionary).
    var codeTemplate: PolicyCodeTemplate { get }
}

/// A task whose stations can hand their episodes to a recorder. It writes one station factory, with an optional
/// recorder, and both of ``ResearchTask``'s factories come from it.
public protocol RecordingResearchTask: ResearchTask {
    /// A station for `role`, named `name`, whose episodes (steps and camera frames) also go to `recorder` when
    /// there is one.
    func makeStation(role: StationRole, name: String, recorder: (any EpisodeRecorder)?) async throws
        -> any ResearchStation
}

extension RecordingResearchTask {
    /// The station without a recorder.
    public func makeStation(role: StationRole, name: String) async throws -> any ResearchStation {
        try await makeStation(role: role, name: name, recorder: nil)
    }
    /// The station with `recorder`.
    public func makeStation(role: StationRole, name: String, recorder: any EpisodeRecorder) async throws
        -> any ResearchStation {
        try await makeStation(role: role, name: name, recorder: .some(recorder))
    }
}

extension ResearchTask {
    /// Ignores `recorder`: a task records its episodes only when it implements this itself.
    public func makeStation(role: StationRole, name: String, recorder: any EpisodeRecorder) async throws
        -> any ResearchStation {
        try await makeStation(role: role, name: name)
    }
    /// No other names.
    public var aliases: [String] { [] }
    /// Nothing privileged.
    public var privilege: String? { nil }
    /// The success rate, equal rates ordered by speed.
    public func researchScore(_ results: TrialResults) -> Double {
        ResearchScore.rateThenSpeed(results, episodeLimit: episodeLimit)
    }
    /// The campaign's defaults.
    public var campaignDefaults: ResearchCampaign.Configuration { ResearchCampaign.Configuration() }
    /// The verdict is a camera (or other) reward, not the ground truth.
    public var verdictIsGroundTruth: Bool { false }
    /// No options.
    public var options: [String: String] { [:] }
    /// The baseline recipe as Python code.
    public var codeTemplate: PolicyCodeTemplate { .generic(for: self) }
    /// Accepts only no options.
    public func configured(_ options: [String: String]) throws -> any ResearchTask {
        if let name = options.keys.sorted().first {
            throw ResearchError.badOption(task: self.name, option: name,
                                          reason: self.options.isEmpty ? "this task takes no options"
                                              : "known options: \(self.options.keys.sorted().joined(separator: ", "))")
        }
        return self
    }
    /// Whether `recipe` is of the task's recipe family (the research loop reads records of other families as
    /// another task's; whether the values make a policy is ``policy(for:)``'s call).
    public func accepts(_ recipe: Recipe) -> Bool { recipe.family == space.family }
    /// A ``policy(for:)`` body: checks that `recipe` is of the task's family, then builds the policy with `build`;
    /// a wrong family, or any error `build` throws, becomes ``ResearchError/badRecipe(_:)``.
    public func policy(for recipe: Recipe, building build: (Recipe) throws -> any Policy) throws -> any Policy {
        guard accepts(recipe) else { throw ResearchError.badRecipe("family \(recipe.family) is not \(space.family)") }
        do { return try build(recipe) } catch { throw ResearchError.badRecipe("\(error)") }
    }
}

/// What a station is for: research stations differ from one another (as a real fleet's do); evaluation stations
/// score confirmation and held-out seeds with a set-up no research station had.
public enum StationRole: Sendable, Hashable {
    /// Research station `index` (0-based) of the fleet.
    case research(index: Int)
    /// Evaluator lane `lane` (0-based) scoring held-out seeds.
    case evaluation(lane: Int)
    /// A station an agent's workspace runs trials on.
    case workspace

    /// The camera-noise seed the built-in tasks give evaluator stations: a set-up no research station had.
    public static let evaluationCameraSeed: UInt64 = 1_000_003

    /// A camera-noise seed for this role: `research(index)` for research station `index` (each its own camera
    /// mount and lighting), `workspace` for the workspace station, ``evaluationCameraSeed`` for every evaluator.
    public func cameraSeed(workspace: UInt64, research: (Int) -> UInt64) -> UInt64 {
        switch self {
        case .research(let index): research(index)
        case .evaluation: Self.evaluationCameraSeed
        case .workspace: workspace
        }
    }
}

/// The frozen parts of a task's evaluation criteria, hashed with the seed split into `FrozenCriteria`.
public struct TaskCriteria: Sendable, Codable, Equatable {
    /// The task and its fixed parameters.
    public var task: TaskSpec
    /// Identity of the reward (its file hash or rule).
    public var rewardIdentity: String
    /// Identity of the reset routine.
    public var resetIdentity: String
    /// The safety limits in words.
    public var safetyLimits: String
    /// What counts as a success, in words.
    public var successDefinition: String

    /// Creates criteria.
    public init(task: TaskSpec, rewardIdentity: String, resetIdentity: String, safetyLimits: String,
                successDefinition: String) {
        self.task = task
        self.rewardIdentity = rewardIdentity
        self.resetIdentity = resetIdentity
        self.safetyLimits = safetyLimits
        self.successDefinition = successDefinition
    }

    /// The full frozen criteria with `seeds` and a rolling score window of `scoreWindow` episodes.
    public func frozen(seeds: SeedSplit, scoreWindow: Int = 50) -> FrozenCriteria {
        FrozenCriteria(task: task, rewardIdentity: rewardIdentity, resetIdentity: resetIdentity,
                       safetyLimits: safetyLimits, seeds: seeds, scoreWindow: scoreWindow,
                       successDefinition: successDefinition)
    }
}

/// One station of a task, as research and evaluation use it: run one episode of a policy from a seed.
public protocol ResearchStation: Sendable {
    /// Runs one episode of `policy` from `seed`'s start (reset included) and reports it; `split` tags the
    /// recording (`development`, `confirmation`, `heldout`).
    func runEpisode(policy: any Policy, seed: UInt64, split: String) async throws -> EpisodeOutcome
    /// The `Station` the episodes run on, when there is one: a campaign's monitor reads its health and latest
    /// frames, latches its emergency stop, and research discards a trial an emergency stop interrupted. `nil` by
    /// default.
    var liveStation: Station? { get }
}

extension ResearchStation {
    /// No live station.
    public var liveStation: Station? { nil }

    /// ``runEpisode(policy:seed:split:)``, then a check of the live station: an episode its emergency stop ended
    /// (during the episode or its reset) throws `StationError.emergencyStopLatched` instead of counting as a failure.
    public func runCheckedEpisode(policy: any Policy, seed: UInt64, split: String) async throws -> EpisodeOutcome {
        let outcome = try await runEpisode(policy: policy, seed: seed, split: split)
        if let station = liveStation, await station.currentHealth.emergencyStopLatched {
            throw StationError.emergencyStopLatched
        }
        return outcome
    }
}

/// What one episode came to.
public struct EpisodeOutcome: Sendable, Codable, Equatable {
    /// Whether the task succeeded by the ground truth where the station has one (a simulator's state), else by
    /// the station's own verdict. Held-out scores count this.
    public var success: Bool
    /// Whether the station's own reward (its camera verifier, say) called the episode a success. Research counts
    /// this: a real station has nothing else.
    public var called: Bool
    /// Control steps taken.
    public var steps: Int
    /// Robot time the episode used, its reset included, seconds.
    public var robotSeconds: Double
    /// The best task score seen during the episode (coverage, say), when the task has one.
    public var maximumScore: Double?

    /// Creates an outcome.
    public init(success: Bool, called: Bool, steps: Int, robotSeconds: Double, maximumScore: Double? = nil) {
        self.success = success
        self.called = called
        self.steps = steps
        self.robotSeconds = robotSeconds
        self.maximumScore = maximumScore
    }

    /// The outcome of a recorded episode judged only by the station's verdict (a station without ground truth).
    public init(episode: RecordedEpisode) {
        let called = episode.summary.verdict?.success == true
        self.init(success: called, called: called, steps: episode.summary.stepCount,
                  robotSeconds: episode.summary.durationSeconds + (episode.summary.reset?.elapsedSeconds ?? 0))
    }
}

/// Research scores built from trial results.
public enum ResearchScore {
    /// The success rate, with equal rates ordered by speed.
    ///
    /// Trials saturate (many recipes reach 20/20 on the same development seeds), and a rate alone then cannot tell
    /// a recipe that finishes with time to spare from one that barely makes the step limit, although the first
    /// fails less often on new starts. The speed term, `1 - meanStepsToSuccess / episodeLimit`, is scaled to less
    /// than one success's worth of rate (0.8 / trials), so a recipe with one more success always ranks higher;
    /// results without step counts rank by rate.
    public static func rateThenSpeed(_ results: TrialResults, episodeLimit: Int) -> Double {
        guard results.trials > 0, results.successes > 0, let steps = results.meanStepsToSuccess,
              episodeLimit > 0 else {
            return results.rate
        }
        let speed = min(1, max(0, 1 - steps / Double(episodeLimit)))
        return results.rate + 0.8 / Double(results.trials) * speed
    }
}

/// Why research could not go on.
public enum ResearchError: Error, CustomStringConvertible, Equatable {
    /// A recipe outside the task's space.
    case badRecipe(String)
    /// `--task` named no registered task.
    case unknownTask(String, known: [String])
    /// A task name registered twice.
    case duplicateTask(String)
    /// The campaign's output folder already holds files.
    case outputNotEmpty(String)
    /// `--resume` was given a folder it cannot continue.
    case notResumable(String, reason: String)
    /// A task option the task does not have, or a bad value for one.
    case badOption(task: String, option: String, reason: String)
    /// Every station a phase needs was taken out of service by an emergency stop.
    case stationsStopped(phase: String)

    /// A message a user can act on.
    public var description: String {
        switch self {
        case .badRecipe(let reason): return "invalid recipe: \(reason)"
        case let .unknownTask(name, known):
            return "unknown task '\(name)': registered tasks are \(known.joined(separator: ", "))"
        case .duplicateTask(let name): return "a task named '\(name)' is already registered"
        case .outputNotEmpty(let path):
            return "output folder \(path) is not empty; an earlier campaign's ledgers and fleet would leak into this one: choose a new --output, or continue it with `enpire main --resume \(path)`"
        case let .notResumable(path, reason):
            return "cannot resume \(path): \(reason); start a new campaign with `enpire main --output NEW`"
        case let .badOption(task, option, reason):
            return "task \(task): option \(option): \(reason)"
        case .stationsStopped(let phase):
            return "\(phase): every station is out of service after an emergency stop; nothing interrupted was "
                + "recorded. Make the stations safe and continue with `enpire main --resume DIR`"
        }
    }
}
