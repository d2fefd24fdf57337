import ArgumentParser
import Enpire
import EnpireResearch
import EnpireSim
import EnpireTasks
import Foundation

/// Inside `enpire agent`'s sandbox (`ENPIRE_RUNNER_SOCKET` set) the operator folder is out of reach, so the
/// station commands that need it are sent to the runner, which runs them outside the sandbox and answers with
/// their output and exit status. Returns false when not in an agent run.
func forwardedToRunner() throws -> Bool {
    guard let socket = ProcessInfo.processInfo.environment["ENPIRE_RUNNER_SOCKET"], !socket.isEmpty else { return false }
    var arguments = Array(CommandLine.arguments.dropFirst())
    // The runner checks the workspace by absolute path; a relative one is relative to this process.
    for index in arguments.indices where arguments[index] == "--workspace" && index + 1 < arguments.count {
        arguments[index + 1] = URL(fileURLWithPath: arguments[index + 1]).standardizedFileURL.path
    }
    let response = try AgentBroker.send(AgentBrokerRequest(arguments: arguments), to: URL(fileURLWithPath: socket))
    CommandOutput.current.standardOutput(Data(response.standardOutput.utf8))
    CommandOutput.current.standardError(Data(response.standardError.utf8))
    if response.status != 0 { throw ExitCode(response.status) }
    return true
}

/// Prints an Encodable as sorted-key JSON.
func printJSON<T: Encodable>(_ value: T) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    CommandOutput.current.line(String(decoding: try encoder.encode(value), as: UTF8.self))
}

/// Prints an Encodable as pretty, sorted-key JSON and writes the same bytes to `output` too when given, so a
/// study's `--output` file always holds exactly what it printed.
func printPrettyJSON<T: Encodable>(_ value: T, alsoTo output: String? = nil) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    let json = try encoder.encode(value)
    CommandOutput.current.line(String(decoding: json, as: UTF8.self))
    if let output { try writeOutput(json, to: output) }
}

/// `enpire init`.
struct InitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init", abstract: "Create a station workspace of a task with frozen criteria and a ledger.")
    @OptionGroup var options: WorkspaceOptions
    @Option(help: TaskName.help) var task = TaskName(PushTResearchTask())
    @Option(help: "Station name.") var station = "station-1"
    @Option(help: "Fleet remote: a bare repository path (created if absent) or a URL.") var fleet: String?
    @Option(help: "Development episodes per trial.") var episodesPerTrial = 20
    @Option(help: "Sealed held-out episodes for `enpire eval`.") var heldOut = 200
    @Option(help: "Held-out evaluations allowed in this workspace (each is recorded in the ledger).") var evalLimit = 10
    @Option(help: ArgumentHelp("Push-T, pin, zip-tie: the reality every trial and evaluation of this workspace runs in (clean, mild, harsh or a JSON file, Docs/SimToReal.md); frozen with the criteria.", valueName: "name|file"))
    var reality: String?
    @Flag(help: "A code workspace: the policy is the Git work tree <workspace>/policy (the task's recipe as Python code, enpire-policy.json says how to build and run it); `enpire trial` commits, builds and runs it.")
    var code = false
    @Option(help: ArgumentHelp("With --code: the template's language, python (a script, checked with py_compile) or swift (a dependency-free Swift package built with swift build -c release).", valueName: "python|swift"))
    var codeLanguage = PolicyLanguage.python.rawValue

    func validate() throws {
        guard PolicyLanguage(rawValue: codeLanguage) != nil else {
            throw ValidationError("--code-language must be one of \(PolicyLanguage.allCases.map(\.rawValue).joined(separator: ", ")), got \(codeLanguage)")
        }
        if codeLanguage != PolicyLanguage.python.rawValue, !code { throw ValidationError("--code-language needs --code") }
        try OptionLimits.check(episodesPerTrial, 1...400, "--episodes-per-trial")
        try OptionLimits.check(heldOut, 1...OptionLimits.episodes, "--held-out")
        try OptionLimits.check(evalLimit, 0...ResearchWorkspace.maximumEvaluationLimit, "--eval-limit")
    }

    func run() async throws {
        var taskOptions: [String: String] = [:]
        if let reality {
            _ = try RealityOption.isClean(reality, task: task.task.name)
            // A file is kept by its absolute path, so trials run from elsewhere read the same file.
            taskOptions["reality"] = PushTReality.presets[reality] != nil ? reality
                : URL(fileURLWithPath: reality).standardizedFileURL.path
        }
        let file = try await options.value.initialise(task: task.task, station: station, fleet: fleet, episodesPerTrial: episodesPerTrial,
                                                     heldOut: heldOut, evaluationLimit: evalLimit, taskOptions: taskOptions,
                                                     code: code, language: PolicyLanguage(rawValue: codeLanguage) ?? .python)
        if options.json { try printJSON(file) } else {
            CommandOutput.current.line("initialised \(file.name) in \(options.location.workspace); frozen hash \(file.frozenHash.prefix(16))")
            if let tree = try options.value.policyWorkTree(), let kept = try options.value.keptCommit() {
                CommandOutput.current.line("policy code: \(tree.folder.path) at \(kept.prefix(12)) (edit it, then `enpire trial --hypothesis ...`)")
            }
        }
    }
}

/// `enpire status`.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Show the station's state, best kept result and pending trials.")
    @OptionGroup var options: WorkspaceOptions

    func run() async throws {
        if try forwardedToRunner() { return }
        let status = try await options.value.status()
        let station = status.station, intact = status.frozenCriteriaIntact
        if options.json { try printJSON(status); return }
        CommandOutput.current.line("station \(station.name), task \(station.task), frozen criteria \(intact ? "intact" : "CHANGED (trials refused)")")
        CommandOutput.current.line("ledger: \(status.trialsRecorded) records; best kept: \(status.bestKept.map { "\($0.id) \($0.results.successes)/\($0.results.trials)" } ?? "none")")
        for trial in status.pending { CommandOutput.current.line("pending: \(trial.id) \(trial.results.successes)/\(trial.results.trials) \(trial.recipe)") }
        if let remaining = status.remainingTrials { CommandOutput.current.line("trials left in this agent run: \(remaining)") }
        if let kept = status.keptCommit, let tree = try options.value.policyWorkTree() {
            CommandOutput.current.line("policy code: \(tree.folder.path), kept commit \(kept.prefix(12))")
        }
        CommandOutput.current.line("held-out evaluations: \(status.evaluationsUsed) of \(status.evaluationLimit) used")
    }
}

/// `enpire trial`.
struct TrialCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trial",
        abstract: "Run a recipe (or, in a code workspace, the policy work tree) on the development seeds; the result waits for keep or revert.")
    @OptionGroup var options: WorkspaceOptions
    @Option(help: "Recipe as a JSON object of the task's parameters, e.g. '{\"angleWeight\": 100}' (missing ones keep the baseline's; `enpire tasks` lists them).")
    var recipe: String?
    @Option(name: .customLong("set"), help: ArgumentHelp("One recipe parameter NAME=VALUE (repeatable; instead of or on top of --recipe).", valueName: "name=value"))
    var assignments: [Assignment] = []
    @Option(help: "What you expect this change to do.") var hypothesis: String
    @Option(help: ArgumentHelp("Progress on standard error: none, text lines (a bar on a terminal), or json (one JSON object per line with an ETA).", valueName: "text|json"))
    var progress: ProgressFormat?
    @OptionGroup var isolation: PolicyIsolationOptions

    func run() async throws {
        if try forwardedToRunner() { return }
        let parameters = try recipeParameters()
        let events = progress?.output(since: Date()).eventSink("trial", unit: " episodes")
        let workspace = isolation.apply(to: options.value, command: "trial")
        let trial = try await workspace.runTrial(recipe: parameters, hypothesis: hypothesis, progress: events)
        if options.json { try printJSON(trial) } else {
            let code = trial.code.map { ", commit \($0.commit.prefix(12)) on \($0.parentCommit.prefix(12)) (\($0.diffSummary); build \(String(format: "%.1f", $0.buildSeconds)) s)" } ?? ""
            CommandOutput.current.line("\(trial.id): \(trial.results.successes)/\(trial.results.trials) (Wilson 95% \(String(format: "%.2f-%.2f", trial.results.wilsonLower, trial.results.wilsonUpper))), robot \(Int(trial.robotSeconds)) s\(code); decide with `enpire keep \(trial.id)` or `enpire revert \(trial.id)`")
        }
    }

    /// The recipe of `--recipe`/`--set` over the baseline; empty in a code workspace when neither is given.
    func recipeParameters() throws -> [String: Double] {
        let object: [String: Any]
        if recipe == nil, assignments.isEmpty, try options.value.policyWorkTree() != nil { return [:] }
        if let recipe {
            guard let parsed = try? JSONSerialization.jsonObject(with: Data(recipe.utf8)) as? [String: Any] else {
                throw ValidationError("--recipe must be a JSON object of numbers, got \(recipe)")
            }
            object = parsed
        } else {
            guard !assignments.isEmpty else { throw ValidationError("give --recipe JSON or --set NAME=VALUE") }
            object = [:]
        }
        var parameters = try options.value.task().baseline.parameters
        for (key, value) in object {
            guard let number = (value as? NSNumber)?.doubleValue, number.isFinite else {
                throw ValidationError("recipe value for \(key) must be a finite number")
            }
            parameters[key] = number
        }
        for item in assignments { parameters[item.name] = try item.number() }
        return parameters
    }
}

/// `enpire adopt`.
struct AdoptCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "adopt",
        abstract: "Code workspaces: check out another station's published code (or a commit) in the policy work tree; run a trial of it, then keep it.")
    @OptionGroup var options: WorkspaceOptions
    @Option(help: "The station whose published code (branch code/<station> of the fleet) to check out.") var station: String?
    @Option(help: "A commit (full id, or a prefix of a station's published commit).") var commit: String?

    func validate() throws {
        guard (station == nil) != (commit == nil) else { throw ValidationError("give one of --station NAME or --commit ID") }
    }

    func run() async throws {
        if try forwardedToRunner() { return }
        let adopted = try await options.value.adopt(station: station, commit: commit)
        if options.json { try printJSON(["commit": adopted]) } else {
            CommandOutput.current.line("checked out \(adopted.prefix(12)) in the policy work tree; run `enpire trial --hypothesis ...` to try it")
        }
    }
}

/// `enpire keep`.
struct DecideCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "keep", abstract: "Keep a pending trial (published to the fleet).")
    @OptionGroup var decision: DecisionOptions

    func run() async throws { try await decision.record(keep: true) }
}

/// `enpire revert`.
struct RevertCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "revert", abstract: "Revert a pending trial (recorded in the ledger).")
    @OptionGroup var decision: DecisionOptions

    func run() async throws { try await decision.record(keep: false) }
}

/// `enpire ledger`.
struct LedgerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ledger", abstract: "Print the experiment ledger.")
    @OptionGroup var options: WorkspaceOptions

    func run() async throws {
        if try forwardedToRunner() { return }
        let records = await (try options.value.ledger()).allRecords()
        if options.json { try printJSON(records) } else { CommandOutput.current.line(ExperimentLedger.markdownTable(records)) }
    }
}

/// `enpire eval`.
struct EvalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval", abstract: "Score the best kept recipe on the sealed held-out seeds (aggregate only).")
    @OptionGroup var options: WorkspaceOptions
    @Option(help: ArgumentHelp("Progress on standard error: text lines every 10 episodes (a bar on a terminal), or json (one JSON object per episode with an ETA); counts only, never an episode's outcome.", valueName: "text|json"))
    var progress: ProgressFormat = .text
    @OptionGroup var isolation: PolicyIsolationOptions

    struct Output: Encodable {
        var recipe: Recipe
        var results: TrialResults
    }

    func run() async throws {
        if try forwardedToRunner() { return }
        let events = progress.output(since: Date()).eventSink("held-out", unit: " episodes", every: 10)
        let (recipe, results) = try await isolation.apply(to: options.value, command: "eval").evaluateBest(progress: events)
        if options.json { try printJSON(Output(recipe: recipe, results: results)) } else {
            let what = try options.value.keptCommit().map { "the kept code \($0.prefix(12))" } ?? "\(recipe)"
            CommandOutput.current.line("held-out: \(results.successes)/\(results.trials) (Wilson 95% \(String(format: "%.3f-%.3f", results.wilsonLower, results.wilsonUpper))) for \(what)")
        }
    }
}

/// `enpire fleet sync` and `enpire fleet republish`.
struct FleetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "fleet", abstract: "Share results with other stations.",
                                                    subcommands: [Sync.self, Republish.self])

    struct Sync: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Fetch the fleet and list every valid kept result; invalid files are skipped and listed on stderr.")
        @OptionGroup var options: WorkspaceOptions

        func run() async throws {
            guard let fleet = try await options.value.fleetStation() else {
                throw ValidationError("this workspace joined no fleet (enpire init --fleet PATH)")
            }
            try await fleet.sync()
            let view = try await fleet.view(task: "pusht")
            for rejected in view.rejected {
                CommandOutput.current.standardError(Data("skipped \(rejected)\n".utf8))
            }
            if options.json { try printJSON(view.records) } else {
                for record in view.records { CommandOutput.current.line("\(record.station) \(record.id) \(record.results.successes)/\(record.results.trials)") }
            }
        }
    }

    struct Republish: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Restore this station's kept records on the fleet from its ledger (after a force-push or a failed publish).")
        @OptionGroup var options: WorkspaceOptions

        func run() async throws {
            let receipt = try await options.value.republish()
            if options.json { try printJSON(receipt.recordIDs) } else {
                CommandOutput.current.line("republished \(receipt.recordIDs.count) kept records (station commit \(receipt.stationCommit.prefix(12)), results commit \(receipt.resultsCommit.prefix(12)))")
            }
        }
    }
}
