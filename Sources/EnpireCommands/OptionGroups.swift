import ArgumentParser
import Enpire
import EnpireResearch
import EnpireTasks
import Foundation

/// `--workspace` and `--operator`: where a station workspace and its operator folder are.
struct WorkspaceLocation: ParsableArguments {
    @Option(help: "Station workspace folder (created by `enpire init`).") var workspace: String
    @Option(name: .customLong("operator"),
            help: "Operator folder: held-out secret, frozen hash, budgets, pending trials (default: <workspace>.operator).")
    var operatorFolder: String?

    var value: ResearchWorkspace {
        ResearchWorkspace(folder: URL(fileURLWithPath: workspace), operatorFolder: operatorFolder.map { URL(fileURLWithPath: $0) })
    }
}

/// `--unsandboxed-policy`: the operator's opt-out of the policy sandbox of code workspaces.
struct PolicyIsolationOptions: ParsableArguments {
    /// The flag's name; the runner refuses it from an agent.
    static let flag = "--unsandboxed-policy"

    @Flag(help: "Code workspaces: run the policy code's build and run commands without the bubblewrap sandbox, as this user with this environment (the code can then read the operator folder and the held-out secret). Needed where bwrap cannot create namespaces; refused from an agent inside `enpire agent`.")
    var unsandboxedPolicy = false

    /// The workspace's policy isolation, with a warning on standard error when it is off.
    func apply(to workspace: ResearchWorkspace, command: String) -> ResearchWorkspace {
        var workspace = workspace
        if unsandboxedPolicy {
            workspace.policyIsolation = .unsandboxed
            if (try? workspace.policyWorkTree()) != nil {
                CommandOutput.current.standardError(Data("enpire \(command): policy code runs UNSANDBOXED (\(Self.flag)): it can read \(workspace.operatorFolder.path)\n".utf8))
            }
        }
        return workspace
    }
}

/// Options shared by the station commands: the workspace and `--json`.
struct WorkspaceOptions: ParsableArguments {
    @OptionGroup var location: WorkspaceLocation
    @Flag(help: "Print JSON instead of text.") var json = false

    var value: ResearchWorkspace { location.value }
}

/// `enpire keep` and `enpire revert`: which pending trial, and the tokens spent on it.
struct DecisionOptions: ParsableArguments {
    @OptionGroup var options: WorkspaceOptions
    @Argument(help: "Pending trial id.") var id: String
    @Option(help: "Tokens the agent spent on this iteration.") var tokens = 0

    /// Records the decision on the pending trial and prints it.
    func record(keep: Bool) async throws {
        if try forwardedToRunner() { return }
        let record = try await options.value.decide(id, keep: keep, tokens: tokens)
        if options.json { try printJSON(record) } else { CommandOutput.current.line("\(record.id): \(record.decision.rawValue)") }
    }
}

/// The budget of an agent session (`enpire agent`, `enpire mcp`), checked before anything starts.
struct AgentBudgetOptions: ParsableArguments {
    @Option(help: "Wall-clock budget of the session in seconds (finite, at most 30 days); no trial starts after it.")
    var wallSeconds = 1800.0
    @Option(help: "Trials the agent may start.") var trials = 10
    @Option(help: "Tokens the agent may spend, as it reports them (with keep and revert); it is stopped past them.")
    var tokens = 2_000_000

    var value: AgentBudget { AgentBudget(wallSeconds: wallSeconds, trials: trials, tokens: tokens) }

    func validate() throws {
        do { try value.validate() } catch { throw ValidationError(ErrorMessage.oneLine(error)) }
    }
}

/// `--task`, `--observe` and `--workers` of `enpire learn` and `enpire policy eval`.
struct LearnedTaskOptions: ParsableArguments {
    @Option(help: "Task: \(LearnableTasks.all.map(\.name).joined(separator: ", ")) (or a registered name or alias: pin, zip-tie).")
    var task: String
    @Option(help: "camera (what a real station sees) or state (privileged).") var observe = "camera"
    @Option(help: "Rollout threads.") var workers = 2

    /// The task `--task` names.
    func learner() throws -> any LearnableTask { try learnableTask(named: task) }

    /// `--observe` parsed.
    func observationMode() throws -> ObservationMode {
        guard let mode = ObservationMode(rawValue: observe) else {
            throw ValidationError("--observe must be camera or state, got \(observe)")
        }
        return mode
    }
}
