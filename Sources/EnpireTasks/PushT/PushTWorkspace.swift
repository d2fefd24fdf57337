public import Enpire
public import Foundation
import EnpireSim

/// A Push-T station's working folder for a coding agent: frozen criteria, ledger, pending trials and the
/// fleet clone. Every `enpire` station command (`status`, `trial`, `keep`, `revert`, `eval`, `fleet sync`)
/// works on one.
///
/// ```
/// <workspace>/station.json          name, task, fleet remote, frozen hash (written at init)
/// <workspace>/frozen.json           FrozenCriteria with a sealed seed split
/// <workspace>/ledger.jsonl, results.md
/// <workspace>/trials/<id>.json      finished trials waiting for keep/revert
/// <workspace>/budget.json           trials left in the current agent run (absent: unlimited)
/// <workspace>/operator/heldout.json held-out seeds and secret: read only by `eval`, never printed
/// ```
public struct PushTWorkspace: Sendable {
    /// What `station.json` holds.
    public struct StationFile: Codable, Sendable {
        /// Station name.
        public var name: String
        /// Task.
        public var task: String
        /// Fleet remote (path or URL), if the station shares results.
        public var fleet: String?
        /// Hash of the frozen criteria at init.
        public var frozenHash: String
    }

    /// A finished trial waiting for a decision.
    public struct PendingTrial: Codable, Sendable {
        /// Identifier (`<station>-<n>`).
        public var id: String
        /// The recipe tried.
        public var recipe: Recipe
        /// What the agent expected.
        public var hypothesis: String
        /// Successes and trials on the development seeds.
        public var results: TrialResults
        /// Robot seconds used.
        public var robotSeconds: Double
        /// Wall seconds used.
        public var wallSeconds: Double
        /// Start, seconds since 1970.
        public var startedAt: Double
    }

    /// Errors a workspace reports.
    public enum WorkspaceError: Error, CustomStringConvertible {
        /// The folder is not an initialised workspace.
        case notInitialised(String)
        /// The frozen criteria changed since init.
        case frozenCriteriaChanged(fields: [String])
        /// The trial budget of this agent run is spent.
        case trialBudgetExhausted
        /// No pending trial with that id.
        case noSuchTrial(String)
        /// A recipe was not valid.
        case badRecipe(String)

        /// A message a user can act on.
        public var description: String {
            switch self {
            case .notInitialised(let path): return "\(path) is not an Enpire workspace: run `enpire init --workspace \(path)` first"
            case .frozenCriteriaChanged(let fields):
                return "frozen evaluation criteria changed (\(fields.joined(separator: ", "))): trials are refused; restore frozen.json"
            case .trialBudgetExhausted: return "the trial budget of this agent run is spent: decide keep/revert and stop"
            case .noSuchTrial(let id): return "no pending trial '\(id)': run `enpire status` to list pending trials"
            case .badRecipe(let reason): return "invalid recipe: \(reason)"
            }
        }
    }

    /// The workspace folder.
    public let folder: URL

    /// Opens a workspace folder (which may not be initialised yet).
    public init(folder: URL) {
        self.folder = folder
    }

    var stationURL: URL { folder.appendingPathComponent("station.json") }
    var frozenURL: URL { folder.appendingPathComponent("frozen.json") }
    var heldOutURL: URL { folder.appendingPathComponent("operator/heldout.json") }
    var budgetURL: URL { folder.appendingPathComponent("budget.json") }
    var originalCriteriaURL: URL { folder.appendingPathComponent("operator/frozen.original.json") }
    var trialsURL: URL { folder.appendingPathComponent("trials") }

    struct HeldOutFile: Codable {
        var seeds: [UInt64]
        var secret: String
    }

    /// Initialises the workspace: frozen criteria (development seeds visible, held-out seeds sealed), an
    /// empty ledger, and optionally a fleet remote (a bare repository is created at a local path if absent).
    public func initialise(station: String, fleet: String?, episodesPerTrial: Int, heldOut: Int) async throws -> StationFile {
        let fm = FileManager.default
        try FleetStation.validate(station, kind: "station name")
        try fm.createDirectory(at: trialsURL, withIntermediateDirectories: true)
        try fm.createDirectory(at: heldOutURL.deletingLastPathComponent(), withIntermediateDirectories: true)
        let seeds = (0..<UInt64(heldOut)).map { 1_000_000 + $0 }
        let secret = UUID().uuidString
        let split = try SeedSplit(development: (0..<UInt64(episodesPerTrial)).map { $0 }, heldOut: seeds, secret: secret)
        let criteria = Self.criteria(split: split)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(HeldOutFile(seeds: seeds, secret: secret)).write(to: heldOutURL, options: .atomic)
        try fm.setAttributes([.posixPermissions: 0o600], ofItemAtPath: heldOutURL.path)
        try encoder.encode(criteria).write(to: frozenURL, options: .atomic)
        try encoder.encode(criteria).write(to: originalCriteriaURL, options: .atomic)
        if let fleet, !fleet.contains("://"), !fm.fileExists(atPath: fleet) {
            _ = try FleetRemote.createBare(at: URL(fileURLWithPath: fleet))
        }
        let file = StationFile(name: station, task: "pusht", fleet: fleet, frozenHash: try criteria.contentHash())
        if let fleet { try await claimStationName(station, fleet: fleet, frozenHash: file.frozenHash) }
        try encoder.encode(file).write(to: stationURL, options: .atomic)
        _ = try ExperimentLedger(fileURL: folder.appendingPathComponent("ledger.jsonl"), createIfMissing: true)
        return file
    }

    static func criteria(split: SeedSplit) -> FrozenCriteria {
        FrozenCriteria(task: TaskSpec(name: "pusht", parameters: ["maxSteps": "300", "simulator": "gym-pusht-0.1.8"]),
                       rewardIdentity: "pusht.ground-truth-coverage>0.95", resetIdentity: "pusht.teleport.gym-pusht-0.1.8",
                       safetyLimits: "pusher box [0,512]^2", seeds: split, scoreWindow: 50,
                       successDefinition: "coverage > 0.95 within 300 control steps")
    }

    /// The station file, after checking that the frozen criteria are unchanged.
    public func station() throws -> StationFile {
        guard let data = try? Data(contentsOf: stationURL),
              let file = try? JSONDecoder().decode(StationFile.self, from: data) else {
            throw WorkspaceError.notInitialised(folder.path)
        }
        return file
    }

    /// The frozen criteria, refusing if their hash differs from the one recorded at init.
    public func frozenCriteria() throws -> FrozenCriteria {
        let file = try station()
        let criteria: FrozenCriteria
        do {
            criteria = try JSONDecoder().decode(FrozenCriteria.self, from: Data(contentsOf: frozenURL))
        } catch {
            throw WorkspaceError.frozenCriteriaChanged(fields: ["frozen.json unreadable: \(error)"])
        }
        let hash = try criteria.contentHash()
        if hash != file.frozenHash {
            let original = try? JSONDecoder().decode(FrozenCriteria.self, from: Data(contentsOf: originalCriteriaURL))
            let fields = original.map { criteria.changedFields(comparedTo: $0) } ?? []
            throw WorkspaceError.frozenCriteriaChanged(
                fields: fields.isEmpty ? ["content hash \(hash.prefix(12)) != \(file.frozenHash.prefix(12))"] : fields)
        }
        return criteria
    }

    /// The ledger.
    public func ledger() throws -> ExperimentLedger {
        _ = try station()
        return try ExperimentLedger(fileURL: folder.appendingPathComponent("ledger.jsonl"))
    }

    /// Trials finished and awaiting keep/revert.
    public func pendingTrials() throws -> [PendingTrial] {
        try pendingTrialFiles().map(\.trial)
    }

    /// Sets the number of trials the next agent run may start (`nil` removes the limit).
    public func setTrialBudget(_ trials: Int?) throws {
        if let trials {
            try JSONEncoder().encode(["remaining": trials]).write(to: budgetURL, options: .atomic)
        } else {
            try? FileManager.default.removeItem(at: budgetURL)
        }
    }

    /// Trials left in the current agent run, or `nil` when unlimited.
    public func remainingTrials() -> Int? {
        guard let data = try? Data(contentsOf: budgetURL),
              let budget = try? JSONDecoder().decode([String: Int].self, from: data) else { return nil }
        return budget["remaining"]
    }

    /// Runs a trial of a planner recipe on the development seeds and stores it as pending.
    public func runTrial(recipe parameters: [String: Double], hypothesis: String) async throws -> PendingTrial {
        let file = try station()
        let criteria = try frozenCriteria()
        if let remaining = remainingTrials() {
            guard remaining > 0 else { throw WorkspaceError.trialBudgetExhausted }
            try setTrialBudget(remaining - 1)
        }
        let recipe = Recipe(family: PushTPlannerRecipes.family, parameters: parameters)
        let planner: PushTPlannerParameters
        do { planner = try PushTPlannerRecipes.parameters(for: recipe) } catch {
            throw WorkspaceError.badRecipe("\(error)")
        }
        let start = Date()
        let simulated = try PushTSimulatedStation(name: file.name)
        var successes = 0
        var robot = 0.0
        for seed in criteria.seeds.developmentSeeds {
            let episode = try await simulated.runEpisode(policy: PushTHeuristicExpert(parameters: planner), seed: seed,
                                                         tags: ["split": "development"])
            if episode.summary.verdict?.success == true { successes += 1 }
            robot += episode.summary.durationSeconds
        }
        let count = try await ledger().allRecords().count + pendingTrials().count
        let trial = PendingTrial(id: "\(file.name)-\(count + 1)", recipe: recipe, hypothesis: hypothesis,
                                 results: try TrialResults(successes: successes, trials: criteria.seeds.developmentSeeds.count),
                                 robotSeconds: robot, wallSeconds: Date().timeIntervalSince(start),
                                 startedAt: start.timeIntervalSince1970)
        try JSONEncoder().encode(trial).write(to: trialsURL.appendingPathComponent("\(trial.id).json"), options: .atomic)
        return trial
    }

    /// Records the decision on a pending trial in the ledger; a kept result is published to the fleet.
    public func decide(_ id: String, keep: Bool, tokens: Int = 0) async throws -> ExperimentRecord {
        let file = try station()
        guard let (trial, trialURL) = try pendingTrialFiles().first(where: { $0.trial.id == id }) else {
            // A keep recorded earlier whose publish failed: publishing it now completes the keep.
            if keep, let record = try await keptRecord(id) {
                try await publishKept(record)
                return record
            }
            throw WorkspaceError.noSuchTrial(id)
        }
        let record = ExperimentRecord(
            id: trial.id, task: file.task, station: file.name, hypothesis: trial.hypothesis,
            diffSummary: "recipe \(trial.recipe)", config: PushTPlannerRecipes.config(trial.recipe),
            frozenHash: file.frozenHash, trialBudget: trial.results.trials, results: trial.results,
            decision: keep ? .keep : .revert, wallTimeSeconds: trial.wallSeconds, robotTimeSeconds: trial.robotSeconds,
            tokens: tokens, startedAtUnixSeconds: trial.startedAt, finishedAtUnixSeconds: Date().timeIntervalSince1970)
        try await ledger().append(record)
        try FileManager.default.removeItem(at: trialURL)
        if keep { try await publishKept(record) }
        return record
    }

    /// The station's fleet handle, if the workspace joined a fleet.
    public func fleetStation() async throws -> FleetStation? {
        let file = try station()
        guard let fleet = file.fleet else { return nil }
        return try await FleetStation(name: file.name, remote: Self.fleetRemote(fleet),
                                      clonePath: folder.appendingPathComponent("fleet-clone"))
    }

    /// Held-out score of the best kept recipe (own or fleet). Only aggregates leave this function.
    public func evaluateBest() async throws -> (recipe: Recipe, results: TrialResults) {
        _ = try frozenCriteria()
        let recipe = try await bestKeptRecipe().recipe
        let held = try JSONDecoder().decode(HeldOutFile.self, from: Data(contentsOf: heldOutURL))
        let planner = try PushTPlannerRecipes.parameters(for: recipe)
        let simulated = try PushTSimulatedStation(name: "evaluator")
        var successes = 0
        for seed in held.seeds {
            let episode = try await simulated.runEpisode(policy: PushTHeuristicExpert(parameters: planner), seed: seed)
            if episode.summary.verdict?.success == true { successes += 1 }
        }
        return (recipe, try TrialResults(successes: successes, trials: held.seeds.count))
    }

    /// The brief handed to an external agent: what is frozen, how to run trials, the budget.
    public func brief(budget: AgentBudget) throws -> String {
        let file = try station()
        let criteria = try frozenCriteria()
        let names = PushTPlannerRecipes.space.ranges.map { "\($0.name) in [\($0.lower), \($0.upper)]" }
        return """
        # Enpire station brief: \(file.name) (task \(file.task))

        Goal: raise the Push-T success rate (coverage > 0.95 within 300 steps) of this station's policy.
        The policy is a model-predictive push planner configured by a recipe of numbers:
        \(names.joined(separator: "; ")).

        Frozen (you cannot change them; trials under changed criteria are refused): reward
        `\(criteria.rewardIdentity)`, reset `\(criteria.resetIdentity)`, safety `\(criteria.safetyLimits)`,
        \(criteria.seeds.developmentSeeds.count) development seeds per trial, \(criteria.seeds.heldOutCount) sealed
        held-out seeds scored only by `enpire eval`. Frozen hash \(file.frozenHash.prefix(16)).

        Commands (all accept --json; run them from any folder):
          enpire status --workspace \(folder.path)
          enpire trial  --workspace \(folder.path) --recipe '{"angleWeight": 100, ...}' --hypothesis "why"
          enpire keep ID --workspace \(folder.path)      (or: enpire revert ID ...)
          enpire ledger --workspace \(folder.path)
          enpire fleet sync --workspace \(folder.path)   (see what other stations kept)

        Budget: \(budget.trials) trials, \(Int(budget.wallSeconds)) s wall, \(budget.tokens) tokens. Report your token use
        by printing lines `ENPIRE_TOKENS <n>`.
        """
    }
}
