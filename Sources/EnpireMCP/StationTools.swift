import Enpire
import EnpireFleet
import EnpireResearch
import Foundation
import MCP

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
        /// An object schema with a required trial `id` described by `idText` and `more` optional properties.
        func withID(_ idText: String, _ more: [String: Value] = [:]) -> Value {
            .object([
                "type": "object",
                "properties": .object(more.merging(["id": .object(["type": "string", "description": .string(idText)])]) { $1 }),
                "required": .array(["id"]), "additionalProperties": false,
            ])
        }
        let decision = withID("Pending trial id (from run_trial or status).", [
            "tokens": .object(["type": "integer", "minimum": 0,
                               "description": "Tokens you spent on this iteration (counted against the session's token budget)."]),
        ])
        let recorded = "Trial id (from run_trial, status or the ledger)."
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
                                "revision": .object([
                                    "type": "string",
                                    "description": "Code workspaces only (no recipe): a commit, or station:NAME for a station's code published to the fleet, to check out in the policy work tree before the trial; absent: the work tree as it is (committed by the trial).",
                                ]),
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
        case .health:
            return Tool(name: tool.rawValue, description: "Whether the station can run trials: emergency stop (latched "
                            + "and why), frozen criteria intact, a trial running now, and how the last trial's episodes "
                            + "ended (completed, aborted, incomplete).",
                        inputSchema: none, annotations: readOnly)
        case .episodes:
            return Tool(name: tool.rawValue, description: "Episode summaries of a trial (pending or decided): seed, "
                            + "status, steps, duration, the station's verdict and score, why an episode was aborted.",
                        inputSchema: withID(recorded), annotations: readOnly)
        case .frames:
            return Tool(name: tool.rawValue, description: "The latest camera frames of a trial as images: the last "
                            + "frame of each camera in one episode (by default the trial's last episode).",
                        inputSchema: withID(recorded, [
                            "episode": .object(["type": "integer", "minimum": 0,
                                                "description": "Episode index in the trial (0 is the first); default the last."]),
                        ]), annotations: readOnly)
        case .estop:
            return Tool(name: tool.rawValue, description: "Latch the station's emergency stop: every later run_trial is "
                            + "refused and a running trial stops before its next episode. Only the operator clears it "
                            + "(`enpire estop --clear`).",
                        inputSchema: .object([
                            "type": "object",
                            "properties": .object(["reason": .object(["type": "string", "description": "Why you stop the station."])]),
                            "additionalProperties": false,
                        ]), annotations: .init(destructiveHint: true, idempotentHint: true, openWorldHint: false))
        case .fleetSync:
            return Tool(name: tool.rawValue, description: "Fetch the fleet and list every valid result other stations "
                            + "kept for this task; invalid files are listed as skipped.",
                        inputSchema: none, annotations: .init(readOnlyHint: true, openWorldHint: true))
        }
    }

    /// Runs `tool` and answers its result: JSON text, and images for `frames`.
    func run(_ tool: StationTool, _ arguments: ToolArguments, progress: ProgressReporter?) async throws -> [Tool.Content] {
        switch tool {
        case .frames:
            return try await frames(arguments)
        default:
            return [.text(text: try await json(tool, arguments, progress: progress), annotations: nil, _meta: nil)]
        }
    }

    /// Runs a tool whose answer is JSON text.
    func json(_ tool: StationTool, _ arguments: ToolArguments, progress: ProgressReporter?) async throws -> String {
        switch tool {
        case .frames:
            throw MCPToolError("frames answers images, not JSON")
        case .health:
            return try encode(await health())
        case .episodes:
            let evidence = try await workspace.trialEvidence(try arguments.string("id"))
            return try encode(EpisodesResult(evidence))
        case .estop:
            let reason = arguments.optionalString("reason") ?? "estop tool of the MCP server"
            try workspace.latchEmergencyStop(reason: "MCP client: \(reason)")
            return try encode(["latched": "true", "reason": try workspace.emergencyStopReason() ?? reason])
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
        let revision = arguments.optionalString("revision")
        if try workspace.policyWorkTree() != nil {
            // A code workspace: the policy is the work tree (optionally another revision checked out first).
            try await session.checkBeforeTrial()
            if let revision {
                let station = revision.hasPrefix("station:") ? String(revision.dropFirst("station:".count)) : nil
                _ = try await workspace.adopt(station: station, commit: station == nil ? revision : nil)
            }
            return try await runTrial(parameters: given, hypothesis: hypothesis, progress: progress)
        }
        guard revision == nil else {
            throw MCPToolError("run_trial: 'revision' is for code workspaces (enpire init --code); this one takes a recipe")
        }
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
        return try await runTrial(parameters: task.baseline.parameters.merging(given) { _, new in new },
                                  hypothesis: hypothesis, progress: progress)
    }

    /// Runs the trial with progress notifications (the workspace refuses a recipe in a code workspace).
    func runTrial(parameters: [String: Double], hypothesis: String, progress: ProgressReporter?) async throws
        -> ResearchWorkspace.PendingTrial {
        let task = try workspace.task()
        let episodes = (try? workspace.frozenCriteria().seeds.developmentSeeds.count) ?? 0
        await progress?.send(0, total: Double(episodes), "running \(episodes) development episode(s) of \(task.name)")
        await session.trialStarted()
        do {
            let trial = try await workspace.runTrial(recipe: parameters, hypothesis: hypothesis,
                                                     episodes: { finished, total, summary in
                let verdict = summary.verdict.map { $0.success ? "success" : "no success" } ?? summary.status.rawValue
                await progress?.send(Double(finished), total: Double(total),
                                     "episode \(finished)/\(total) (seed \(summary.metadata.seed.map(String.init) ?? "-")): "
                                        + "\(verdict) in \(summary.stepCount) steps")
            })
            await session.trialEnded()
            await progress?.send(Double(max(episodes, 1)), total: Double(max(episodes, 1)),
                                 "trial \(trial.id) done: \(trial.results.successes)/\(trial.results.trials)")
            return trial
        } catch {
            await session.trialEnded()
            throw error
        }
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

extension StationMCPServer {
    /// The `frames` tool: a line naming the episode, then each camera's last frame as image content.
    func frames(_ arguments: ToolArguments) async throws -> [Tool.Content] {
        let id = try arguments.string("id")
        let evidence = try await workspace.trialEvidence(id)
        guard let last = evidence.frames.map(\.episode).max() else {
            throw MCPToolError("frames: trial \(id) recorded no camera frames (its task's stations have no cameras, "
                                + "or they took no picture)")
        }
        let episode = try arguments.optionalInteger("episode", in: 0...Int(Int32.max)) ?? last
        let images = evidence.frames.filter { $0.episode == episode }
        guard !images.isEmpty else {
            throw MCPToolError("frames: trial \(id) has no frames for episode \(episode); episodes with frames: "
                                + "0...\(last)")
        }
        let seed = evidence.summaries.indices.contains(episode)
            ? evidence.summaries[episode].metadata.seed.map { " (seed \($0))" } ?? "" : ""
        let header = "trial \(id), episode \(episode)\(seed): last frame of "
            + images.map { "\($0.camera) (\($0.mimeType))" }.joined(separator: ", ")
        return [.text(text: header, annotations: nil, _meta: nil)]
            + images.map { .image(data: $0.data.base64EncodedString(), mimeType: $0.mimeType, annotations: nil, _meta: nil) }
    }

    /// The `health` tool's answer.
    func health() async throws -> HealthResult {
        let status = try await workspace.status()
        let running = await session.trialRunning
        let last = try await workspace.ledger().allRecords().last { $0.decision != .evaluation }?.id
        let pendingLast = status.pending.max { $0.startedAt < $1.startedAt }
        let lastID = pendingLast.map(\.id) ?? last
        var endings: [String: Int] = [:]
        if let lastID, let evidence = try? await workspace.trialEvidence(lastID) {
            for summary in evidence.summaries { endings[summary.status.rawValue, default: 0] += 1 }
        }
        return HealthResult(station: status.station.name, task: status.station.task,
                            emergencyStopLatched: try workspace.emergencyStopReason() != nil,
                            emergencyStopReason: try workspace.emergencyStopReason(),
                            frozenCriteriaIntact: status.frozenCriteriaIntact,
                            frozenCriteriaProblem: status.frozenCriteriaProblem.map(redacted),
                            trialRunning: running, lastTrial: lastID, lastTrialEpisodes: endings)
    }
}

/// The `health` tool's answer.
struct HealthResult: Encodable {
    var station: String
    var task: String
    var emergencyStopLatched: Bool
    var emergencyStopReason: String?
    var frozenCriteriaIntact: Bool
    var frozenCriteriaProblem: String?
    var trialRunning: Bool
    var lastTrial: String?
    /// How the last trial's recorded episodes ended: status name to count.
    var lastTrialEpisodes: [String: Int]
}

/// The `episodes` tool's answer: one compact line of facts per recorded episode.
struct EpisodesResult: Encodable {
    struct Episode: Encodable {
        var episode: Int
        var seed: UInt64?
        var status: String
        var steps: Int
        var durationSeconds: Double
        var success: Bool?
        var score: Double?
        var verdictStatus: String?
        var reason: String?
    }

    var trial: String
    var episodes: [Episode]

    init(_ evidence: TrialEvidence) {
        trial = evidence.trial
        episodes = evidence.summaries.enumerated().map { index, summary in
            Episode(episode: index, seed: summary.metadata.seed, status: summary.status.rawValue, steps: summary.stepCount,
                    durationSeconds: summary.durationSeconds, success: summary.verdict?.success,
                    score: summary.verdict?.score, verdictStatus: summary.verdict.map { "\($0.status)" },
                    reason: summary.reason ?? summary.verdict?.detail)
        }
    }
}
