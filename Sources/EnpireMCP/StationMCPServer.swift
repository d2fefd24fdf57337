public import Enpire
public import EnpireResearch
import Foundation
public import MCP

/// A Model Context Protocol server for one station workspace: the tools and resources a coding agent (Claude Code,
/// Codex, any MCP client) uses to run trials, keep or revert them and read the ledger.
///
/// The server runs on the runner's side: it may read the operator folder (held-out secret, budgets, pending
/// trials), but nothing it offers returns or accepts held-out seeds or the secret, and held-out evaluation is not
/// offered at all (operators run `enpire eval`). Every failure of a tool (a bad recipe, an unknown trial id, a spent
/// budget, changed frozen criteria) is answered as an MCP tool error carrying the workspace's message; the server
/// keeps answering.
///
/// ```swift
/// let server = StationMCPServer(workspace: ResearchWorkspace(folder: url), budget: budget)
/// let running = try await server.start(transport: StdioTransport())
/// await running.waitUntilCompleted()
/// try server.releaseBudget()
/// ```
public struct StationMCPServer: Sendable {
    /// The name the server reports in `initialize`.
    public static let serverName = "enpire"
    /// The version the server reports in `initialize`.
    public static let serverVersion = "0.1.0"

    /// The station workspace served.
    public let workspace: ResearchWorkspace
    /// The session's budget: trials (claimed from the workspace by ``start(transport:)``), wall-clock seconds and
    /// tokens (as the agent reports them with `keep` and `revert`); `run_trial` is refused once any is spent.
    public let budget: AgentBudget
    let session: SessionLedger

    /// A server for `workspace` with `budget` (validated by ``start(transport:)``).
    public init(workspace: ResearchWorkspace, budget: AgentBudget) {
        self.workspace = workspace
        self.budget = budget
        session = SessionLedger(budget: budget)
    }

    /// Claims the trial budget of the workspace for this process (refused while another live agent run holds
    /// it), registers the tools and resources and starts serving on `transport`.
    ///
    /// Call ``releaseBudget()`` when the returned server has stopped.
    public func start(transport: any Transport) async throws -> Server {
        try budget.validate()
        _ = try workspace.station()
        try workspace.beginAgentRun(trials: budget.trials)
        await session.begin()
        let server = Server(name: Self.serverName, version: Self.serverVersion,
                            instructions: "Enpire station \((try? workspace.station().name) ?? ""): read the resource "
                                + "enpire://brief first; run trials with run_trial, decide each with keep or revert.",
                            capabilities: .init(resources: .init(subscribe: false, listChanged: false),
                                                tools: .init(listChanged: false)))
        await register(on: server)
        do { try await server.start(transport: transport) } catch {
            try? releaseBudget()
            throw error
        }
        return server
    }

    /// Releases the trial budget claimed by ``start(transport:)``.
    public func releaseBudget() throws {
        try workspace.endAgentRun()
    }

    func register(on server: Server) async {
        await server.withMethodHandler(ListTools.self) { _ in
            ListTools.Result(tools: await self.tools())
        }
        await server.withMethodHandler(CallTool.self) { [weak server] params in
            await self.call(params, server: server)
        }
        await server.withMethodHandler(ListResources.self) { _ in
            ListResources.Result(resources: StationResource.allCases.map(\.resource))
        }
        await server.withMethodHandler(ReadResource.self) { params in
            try await self.read(params.uri)
        }
    }

    /// Answers a tool call; every failure becomes a tool error with the workspace's one-line message.
    func call(_ params: CallTool.Parameters, server: Server?) async -> CallTool.Result {
        do {
            guard let tool = StationTool(rawValue: params.name), await tools().contains(where: { $0.name == params.name }) else {
                throw MCPToolError("no tool '\(params.name)' on this server; list the tools (tools/list) for the ones it has")
            }
            let arguments = ToolArguments(params.arguments ?? [:], tool: tool.rawValue)
            let content = try await run(tool, arguments, progress: params._meta?.progressToken.map { token in
                ProgressReporter(token: token, server: server)
            })
            return CallTool.Result(content: content, isError: false)
        } catch {
            return CallTool.Result(content: [.text(text: message(error), annotations: nil, _meta: nil)], isError: true)
        }
    }

    /// Reads a resource; failures are JSON-RPC errors carrying the workspace's message.
    func read(_ uri: String) async throws -> ReadResource.Result {
        guard let resource = StationResource(rawValue: uri) else {
            throw MCPError.invalidParams("no resource \(uri); list the resources (resources/list) for the ones there are")
        }
        do {
            let text: String
            switch resource {
            case .brief:
                text = try await briefText()
            case .criteria:
                text = try encode(workspace.frozenCriteria())
            case .ledger:
                text = try encode(await workspace.ledger().allRecords())
            }
            return ReadResource.Result(contents: [.text(text, uri: uri, mimeType: resource.resource.mimeType)])
        } catch {
            throw MCPError.internalError(message(error))
        }
    }

    /// The one-line message of `error` with the operator folder's path replaced: the agent gets no path into it.
    func message(_ error: any Error) -> String { redacted(ErrorMessage.oneLine(error)) }

    /// `text` with the operator folder's path replaced.
    func redacted(_ text: String) -> String {
        text.replacingOccurrences(of: workspace.operatorFolder.standardizedFileURL.path, with: "<operator folder>")
            .replacingOccurrences(of: workspace.operatorFolder.path, with: "<operator folder>")
    }

    /// The agent brief: how to use this server, then the workspace's brief for the session's budget.
    func briefText() async throws -> String {
        let spent = await session.snapshot()
        let remaining = AgentBudget(wallSeconds: max(1, spent.wallSecondsLeft.rounded()),
                                    trials: try workspace.remainingTrials() ?? budget.trials,
                                    tokens: max(0, budget.tokens - spent.tokensReported))
        return """
        Through this MCP server: tools `tasks`, `status`, `health`, `run_trial` (recipe + hypothesis), `keep`/`revert`
        (trial id, tokens spent), `ledger`, `episodes` and `frames` (a trial's episode summaries and latest camera
        images), `estop`\(try workspace.station().fleet == nil ? "" : ", `fleet_sync`"); resources enpire://brief,
        enpire://criteria, enpire://ledger. Held-out evaluation is not offered here (the operator runs `enpire eval`).
        Report the tokens you spent on each iteration in `keep`/`revert`.

        \(try workspace.brief(budget: remaining))
        """
    }
}

/// One failure of a tool call that is not the workspace's own (a missing or mistyped argument, an unknown tool).
struct MCPToolError: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }
}

/// Sorted-key JSON text of `value`.
func encode<T: Encodable>(_ value: T) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}

/// What the session has spent beside the workspace's trial budget: wall-clock time and reported tokens.
actor SessionLedger {
    let budget: AgentBudget
    var started = Date()
    var tokensReported = 0
    var trialRunning = false

    init(budget: AgentBudget) { self.budget = budget }

    func trialStarted() { trialRunning = true }

    func trialEnded() { trialRunning = false }

    func begin() { started = Date() }

    func report(tokens: Int) { tokensReported += max(0, tokens) }

    func snapshot() -> (wallSecondsLeft: Double, tokensReported: Int) {
        (budget.wallSeconds - Date().timeIntervalSince(started), tokensReported)
    }

    /// Throws when the wall-clock or token budget is spent.
    func checkBeforeTrial() throws {
        let elapsed = Date().timeIntervalSince(started)
        guard elapsed < budget.wallSeconds else {
            throw MCPToolError("the wall-clock budget of this session (\(Int(budget.wallSeconds)) s) is spent: decide keep/revert and stop")
        }
        guard tokensReported <= budget.tokens else {
            throw MCPToolError("the token budget of this session (\(budget.tokens)) is spent (\(tokensReported) reported): decide keep/revert and stop")
        }
    }
}

/// Sends `notifications/progress` for one request that asked for them.
struct ProgressReporter: Sendable {
    let token: ProgressToken
    weak var server: Server?

    func send(_ progress: Double, total: Double? = nil, _ message: String) async {
        try? await server?.notify(ProgressNotification.message(
            .init(progressToken: token, progress: progress, total: total, message: message)))
    }
}
