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
    @OptionGroup var location: WorkspaceLocation
    @OptionGroup var budget: AgentBudgetOptions

    func run() async throws {
        let server = StationMCPServer(workspace: location.value, budget: budget.value)
        let running = try await server.start(transport: StdioTransport())
        await running.waitUntilCompleted()
        try server.releaseBudget()
    }
}
