import ArgumentParser
import Enpire
import EnpireMCP
import EnpireResearch
import Foundation
import MCP

/// `enpire mcp`: the station as a Model Context Protocol server over standard input and output.
struct MCPCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mcp",
        abstract: "Serve a station workspace to a coding agent as an MCP server over stdio (tools: tasks, status, run_trial, keep, revert, ledger, fleet_sync).",
        discussion: "Runs on the runner's side: it reads the operator folder, but serves no held-out seeds, no secret and no held-out evaluation (operators run `enpire eval`). Docs/Agents.md shows the Claude Code and Codex configuration.")
    @Option(help: "Station workspace folder (created by `enpire init`).") var workspace: String
    @Option(name: .customLong("operator"),
            help: "Operator folder: held-out secret, frozen hash, budgets, pending trials (default: <workspace>.operator).")
    var operatorFolder: String?
    @Option(help: "Wall-clock budget of the session in seconds; run_trial is refused after it.") var wallSeconds = 1800.0
    @Option(help: "Trials the session may start (claimed from the workspace while the server runs).") var trials = 10
    @Option(help: "Tokens the agent may spend, as it reports them with keep and revert; run_trial is refused past it.")
    var tokens = 2_000_000

    func validate() throws {
        do { try AgentBudget(wallSeconds: wallSeconds, trials: trials, tokens: tokens).validate() } catch {
            throw ValidationError(ErrorMessage.oneLine(error))
        }
    }

    func run() async throws {
        let station = ResearchWorkspace(folder: URL(fileURLWithPath: workspace),
                                        operatorFolder: operatorFolder.map { URL(fileURLWithPath: $0) })
        let server = StationMCPServer(workspace: station,
                                      budget: AgentBudget(wallSeconds: wallSeconds, trials: trials, tokens: tokens))
        let running = try await server.start(transport: StdioTransport())
        await running.waitUntilCompleted()
        try server.releaseBudget()
    }
}
