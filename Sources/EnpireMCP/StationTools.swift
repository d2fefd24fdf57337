import Enpire
import EnpireFleet
import EnpireResearch
import Foundation
import MCP

/// The tools the server offers. There is no held-out evaluation tool (operators run `enpire eval`) and no
/// emergency stop: a workspace's trials run on a station made for each trial, so no live station outlasts a call.
enum StationTool: String, CaseIterable {
    case tasks, status, runTrial = "run_trial", keep, revert, ledger, fleetSync = "fleet_sync"
}

/// The resources the server offers.
enum StationResource: String, CaseIterable {
    case brief = "enpire://brief"
    case criteria = "enpire://criteria"
    case ledger = "enpire://ledger"

    var resource: Resource {
        switch self {
        case .brief:
            Resource(name: "brief", uri: rawValue, title: "Agent brief",
                     description: "What to improve, what is frozen, the tools and this session's remaining budget.",
                     mimeType: "text/markdown")
        case .criteria:
            Resource(name: "criteria", uri: rawValue, title: "Frozen evaluation criteria (read-only)",
                     description: "Task, reward, reset, safety limits, success definition, development seeds and the "
                         + "sealed held-out count and digest (the held-out seeds themselves are never served).",
                     mimeType: "application/json")
        case .ledger:
            Resource(name: "ledger", uri: rawValue, title: "Experiment ledger",
                     description: "Every kept, reverted and evaluation record of this station, oldest first.",
                     mimeType: "application/json")
        }
    }
}

/// The arguments of one tool call, read with messages that name the tool and the argument.
struct ToolArguments {
    let values: [String: Value]
    let tool: String

    init(_ values: [String: Value], tool: String) {
        self.values = values
        self.tool = tool
    }

    func string(_ name: String) throws -> String {
        guard let value = values[name]?.stringValue, !value.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw MCPToolError("\(tool): argument '\(name)' must be a non-empty string")
        }
        return value
    }

    func integer(_ name: String, default fallback: Int, in range: ClosedRange<Int>) throws -> Int {
        guard let value = values[name], value != .null else { return fallback }
        guard let number = Self.number(value), number.rounded() == number, let integer = Int(exactly: number),
              range.contains(integer) else {
            throw MCPToolError("\(tool): argument '\(name)' must be an integer in \(range.lowerBound)...\(range.upperBound), got \(value)")
        }
        return integer
    }

    /// The recipe argument as parameter values (missing, null or empty: none).
    func recipe() throws -> [String: Double] {
        guard let value = values["recipe"], value != .null else { return [:] }
        guard let object = value.objectValue else {
            throw MCPToolError("\(tool): argument 'recipe' must be an object of parameter names to numbers, got \(value)")
        }
        var parameters: [String: Double] = [:]
        for (name, entry) in object {
            guard let number = Self.number(entry), number.isFinite else {
                throw MCPToolError("\(tool): recipe value for '\(name)' must be a finite number, got \(entry)")
            }
            parameters[name] = number
        }
        return parameters
    }

    static func number(_ value: Value) -> Double? {
        switch value {
        case .int(let integer): Double(integer)
        case .double(let double): double
        default: nil
        }
    }
}

extension StationMCPServer {
    /// The tools this workspace offers (`fleet_sync` only when it joined a fleet), with schemas.
    func tools() async -> [Tool] {
        let task = try? workspace.task()
        let hasFleet = (try? workspace.station().fleet) != nil
        return StationTool.allCases.compactMap { tool in
            switch tool {
            case .fleetSync where !hasFleet: nil
            default: describe(tool, task: task)
            }
        }
    }

    func describe(_ tool: StationTool, task: (any ResearchTask)?) -> Tool {
        let readOnly = Tool.Annotations(readOnlyHint: true, openWorldHint: false)
        let none: Value = .object(["type": "object", "properties": .object([:]), "additionalProperties": false])
        let decision: Value = .object([
            "type": "object",
            "properties": .object([
                "id": .object(["type": "string", "description": "Pending trial id (from run_trial or status)."]),
                "tokens": .object(["type": "integer", "minimum": 0,
                                   "description": "Tokens you spent on this iteration (counted against the session's token budget)."]),
            ]),
            "required": .array(["id"]), "additionalProperties": false,
        ])
        switch tool {
        case .tasks:
            return Tool(name: tool.rawValue, description: "The registered tasks: summary, recipe parameters with their "
                            + "ranges, baseline recipe, episode limit, frozen criteria and privilege notes.",
                        inputSchema: none, annotations: readOnly)
        case .status:
            return Tool(name: tool.rawValue, description: "This station: task, whether the frozen criteria are intact, "
                            + "records in the ledger, best kept result, pending trials (awaiting keep or revert) and the "
                            + "remaining trial, wall-clock and token budget.",
                        inputSchema: none, annotations: readOnly)
        case .runTrial:
            let parameters = task.map { task in
                task.space.ranges.map { "\($0.name) in [\($0.lower), \($0.upper)]\($0.isInteger ? " integer" : "")" }
                    .joined(separator: "; ") + " (baseline \(task.baseline.parameters.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")))"
            } ?? "see the tasks tool"
            return Tool(name: tool.rawValue, description: "Run a recipe on the development seeds (one trial of this "
                            + "session's budget; sends progress notifications when the request carries a progress token). "
                            + "The result waits as a pending trial until you keep or revert it.",
                        inputSchema: .object([
                            "type": "object",
                            "properties": .object([
                                "recipe": .object([
                                    "type": "object", "additionalProperties": .object(["type": "number"]),
                                    "description": .string("Parameter name to number; missing ones keep the baseline's. \(parameters)"),
                                ]),
                                "hypothesis": .object(["type": "string", "description": "What you expect this change to do, and why."]),
                            ]),
                            "required": .array(["hypothesis"]), "additionalProperties": false,
                        ]),
                        annotations: .init(destructiveHint: false, idempotentHint: false, openWorldHint: false))
        case .keep:
            return Tool(name: tool.rawValue, description: "Keep a pending trial: it is recorded in the ledger and "
                            + "published to the fleet when the station joined one.",
                        inputSchema: decision, annotations: .init(destructiveHint: false, openWorldHint: false))
        case .revert:
            return Tool(name: tool.rawValue, description: "Revert a pending trial: it is recorded in the ledger as "
                            + "reverted and no longer pending.",
                        inputSchema: decision, annotations: .init(destructiveHint: false, openWorldHint: false))
        case .ledger:
            return Tool(name: tool.rawValue, description: "The most recent records of the experiment ledger (kept, "
                            + "reverted and the operator's evaluations), newest last.",
                        inputSchema: .object([
                            "type": "object",
                            "properties": .object(["limit": .object([
                                "type": "integer", "minimum": 1, "maximum": 1000, "default": 20,
                                "description": "How many records, newest last."])]),
                            "additionalProperties": false,
                        ]), annotations: readOnly)
        case .fleetSync:
            return Tool(name: tool.rawValue, description: "Fetch the fleet and list every valid result other stations "
                            + "kept for this task; invalid files are listed as skipped.",
                        inputSchema: none, annotations: .init(readOnlyHint: true, openWorldHint: true))
        }
    }

    /// Runs `tool` and answers its result as JSON text.
    func run(_ tool: StationTool, _ arguments: ToolArguments, progress: ProgressReporter?) async throws -> String {
        switch tool {
        case .tasks:
            return try encode(TaskRegistry.shared.all.map(TaskSummary.init))
        case .status:
            return try encode(await status())
        case .runTrial:
            return try encode(await runTrial(arguments, progress: progress))
        case .keep, .revert:
            let id = try arguments.string("id")
            let tokens = try arguments.integer("tokens", default: 0, in: 0...Int(Int32.max))
            let record = try await workspace.decide(id, keep: tool == .keep, tokens: tokens)
            await session.report(tokens: tokens)
            return try encode(record)
        case .ledger:
            let limit = try arguments.integer("limit", default: 20, in: 1...1000)
            return try encode(Array(await workspace.ledger().allRecords().suffix(limit)))
        case .fleetSync:
            let station = try workspace.station()
            guard let fleet = try await workspace.fleetStation() else {
                throw MCPToolError("this workspace joined no fleet")
            }
            try await fleet.sync()
            let view = try await fleet.view(task: station.task)
            return try encode(FleetSyncResult(records: view.records, skipped: view.rejected.map { "\($0)" }))
        }
    }

    func runTrial(_ arguments: ToolArguments, progress: ProgressReporter?) async throws -> ResearchWorkspace.PendingTrial {
        let hypothesis = try arguments.string("hypothesis")
        let given = try arguments.recipe()
        let task = try workspace.task()
        let names = Set(task.space.ranges.map(\.name))
        let unknown = given.keys.filter { !names.contains($0) }.sorted()
        guard unknown.isEmpty else {
            throw MCPToolError("run_trial: recipe parameter(s) \(unknown.joined(separator: ", ")) not in task \(task.name)'s recipe "
                                + "(\(names.sorted().joined(separator: ", "))); the tasks tool lists them with their ranges")
        }
        for range in task.space.ranges {
            if let value = given[range.name], value < range.lower || value > range.upper {
                throw MCPToolError("run_trial: \(range.name) = \(value) is outside its range [\(range.lower), \(range.upper)]")
            }
        }
        try await session.checkBeforeTrial()
        let parameters = task.baseline.parameters.merging(given) { _, new in new }
        let episodes = (try? workspace.frozenCriteria().seeds.developmentSeeds.count) ?? 0
        await progress?.send(0, "running \(episodes) development episode(s) of \(task.name)")
        let start = Date()
        // The workspace reports no per-episode progress, so while the trial runs the server sends the seconds elapsed.
        let heartbeat = Task {
            while !Task.isCancelled {
                try await Task.sleep(for: .seconds(2))
                let elapsed = Date().timeIntervalSince(start)
                await progress?.send(elapsed, "trial running for \(Int(elapsed)) s")
            }
        }
        defer { heartbeat.cancel() }
        let trial = try await workspace.runTrial(recipe: parameters, hypothesis: hypothesis)
        heartbeat.cancel()
        await progress?.send(max(Date().timeIntervalSince(start), 0.001), "trial \(trial.id) done: "
                                + "\(trial.results.successes)/\(trial.results.trials)")
        return trial
    }

    func status() async throws -> StatusResult {
        var status = try await workspace.status()
        status.frozenCriteriaProblem = status.frozenCriteriaProblem.map(redacted)
        let spent = await session.snapshot()
        return StatusResult(workspace: status, remainingWallSeconds: max(0, spent.wallSecondsLeft.rounded()),
                            tokensReported: spent.tokensReported, tokenBudget: budget.tokens)
    }
}

/// The `status` tool's answer: the workspace's status and the session's budget, as one JSON object.
struct StatusResult: Encodable {
    var workspace: ResearchWorkspace.Status
    var remainingWallSeconds: Double
    var tokensReported: Int
    var tokenBudget: Int

    private enum CodingKeys: String, CodingKey { case remainingWallSeconds, tokensReported, tokenBudget }

    func encode(to encoder: any Encoder) throws {
        try workspace.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(remainingWallSeconds, forKey: .remainingWallSeconds)
        try container.encode(tokensReported, forKey: .tokensReported)
        try container.encode(tokenBudget, forKey: .tokenBudget)
    }
}

/// The `fleet_sync` tool's answer.
struct FleetSyncResult: Encodable {
    var records: [ExperimentRecord]
    var skipped: [String]
}
