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
        abstract: "Serve a station workspace to a coding agent as an MCP server over stdio (tools: tasks, status, health, run_trial, keep, revert, ledger, episodes, frames, estop, fleet_sync).",
        discussion: "Runs on the runner's side: it reads the operator folder, but serves no held-out seeds, no secret and no held-out evaluation (operators run `enpire eval`). Docs/Agents.md shows the Claude Code and Codex configuration.")
    @OptionGroup var location: WorkspaceLocation
    @OptionGroup var budget: AgentBudgetOptions
    @OptionGroup var isolation: PolicyIsolationOptions

    func run() async throws {
        let server = StationMCPServer(workspace: isolation.apply(to: location.value, command: "mcp"), budget: budget.value)
        let running = try await server.start(transport: StdioTransport())
        await running.waitUntilCompleted()
        try server.releaseBudget()
    }
}

/// `enpire estop`: latch (or, for the operator, clear) the station's emergency stop.
struct EStopCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "estop",
        abstract: "Latch the station's emergency stop (trials are refused, a running one stops before its next episode); --clear releases it.")
    @OptionGroup var location: WorkspaceLocation
    @Option(help: "Why the stop was latched (recorded; shown in every refusal).") var reason = "enpire estop"
    @Flag(help: "Clear the latched stop (after checking the station).") var clear = false

    func run() async throws {
        let workspace = location.value
        if clear {
            try workspace.clearEmergencyStop()
            CommandOutput.current.line("emergency stop cleared")
        } else {
            try workspace.latchEmergencyStop(reason: reason)
            CommandOutput.current.line("emergency stop latched: \(try workspace.emergencyStopReason() ?? reason)")
        }
    }
}
