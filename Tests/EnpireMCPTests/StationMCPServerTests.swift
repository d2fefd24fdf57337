import Enpire
import EnpireMCP
import EnpireResearch
import EnpireTasks
import EnpireTesting
import Foundation
import MCP
import Testing

/// Progress notifications the client received.
actor ProgressLog {
    var messages: [String] = []
    func add(_ message: String) { messages.append(message) }
}

/// A Push-T station workspace (1 development episode per trial, 1 held-out seed) served in-process over the SDK's
/// in-memory transport, with the SDK's own client on the other end.
struct ServedStation {
    let folder: URL
    let server: StationMCPServer
    let running: Server
    let client: Client
    let progress = ProgressLog()

    static func start(trials: Int = 1, fleet: Bool = false, evaluationLimit: Int = 0, episodesPerTrial: Int = 1,
                      code: Bool = false, prepare: (URL) throws -> Void = { _ in }) async throws -> ServedStation {
        BuiltInTasks.register()
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("enpire-mcp-\(UUID().uuidString)")
        let folder = root.appendingPathComponent("station")
        // Code workspaces: the policy sandbox where bubblewrap runs, else the operator's opt-out.
        let workspace = ResearchWorkspace(folder: folder,
                                          policyIsolation: AgentSandbox.probe() == nil ? .sandboxed : .unsandboxed)
        _ = try await workspace.initialise(task: PushTResearchTask(), station: "mcp-1",
                                           fleet: fleet ? root.appendingPathComponent("fleet.git").path : nil, episodesPerTrial: episodesPerTrial,
                                           heldOut: 1, evaluationLimit: evaluationLimit, code: code)
        try prepare(folder)
        let server = StationMCPServer(workspace: workspace, budget: AgentBudget(wallSeconds: 600, trials: trials, tokens: 1000))
        let (clientTransport, serverTransport) = await InMemoryTransport.createConnectedPair()
        let running = try await server.start(transport: serverTransport)
        let client = Client(name: "enpire-tests", version: "1")
        let station = ServedStation(folder: folder, server: server, running: running, client: client)
        await client.onNotification(ProgressNotification.self) { [progress = station.progress] message in
            await progress.add(message.params.message ?? "")
        }
        _ = try await client.connect(transport: clientTransport)
        return station
    }

    func stop() async throws {
        await client.disconnect()
        await running.stop()
        try server.releaseBudget()
        try? FileManager.default.removeItem(at: folder.deletingLastPathComponent())
    }

    /// Calls a tool and returns its text and error flag.
    func call(_ name: String, _ arguments: [String: Value] = [:], meta: Metadata? = nil) async throws -> (text: String, isError: Bool) {
        let (content, isError) = try await client.callTool(name: name, arguments: arguments, meta: meta)
        return (Self.text(content), isError ?? false)
    }

    /// The text items of a tool's content, joined.
    static func text(_ content: [Tool.Content]) -> String {
        content.compactMap { item -> String? in
            if case .text(let text, _, _) = item { return text }
            return nil
        }.joined()
    }

    func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }
}

@Suite("StationMCPServer", .serialized)
struct StationMCPServerTests {
    @Test("initialize, list tools, run a Push-T trial with progress, keep it, read the ledger resource")
    func trialKeepLedger() async throws {
        let station = try await ServedStation.start()

        let tools = try await station.client.listTools().tools.map(\.name)
        #expect(tools == ["tasks", "status", "health", "run_trial", "keep", "revert", "ledger", "episodes", "frames", "estop"])
        #expect(!tools.contains { $0.contains("eval") || $0.contains("fleet") })

        let tasks = try await station.call("tasks")
        #expect(!tasks.isError && tasks.text.contains("\"name\":\"pusht\""))

        let trial = try await station.call("run_trial", ["recipe": ["angleWeight": 100], "hypothesis": "baseline check"],
                                           meta: Metadata(progressToken: .string("trial-1")))
        #expect(!trial.isError, "\(trial.text)")
        let pending = try station.json(trial.text)
        let id = try #require(pending["id"] as? String)
        #expect(id == "mcp-1-1")
        let results = try #require(pending["results"] as? [String: Any])
        #expect(results["trials"] as? Int == 1)
        // Notifications travel ahead of the response but are handled on their own task: give them a moment.
        for _ in 0..<50 where await station.progress.messages.count < 2 { try await Task.sleep(for: .milliseconds(20)) }
        let progress = await station.progress.messages
        #expect(progress.first?.contains("running 1 development episode(s) of pusht") == true, "\(progress)")
        #expect(progress.last?.contains("trial mcp-1-1 done") == true, "\(progress)")

        let kept = try await station.call("keep", ["id": .string(id), "tokens": 120])
        #expect(!kept.isError, "\(kept.text)")
        #expect(try station.json(kept.text)["decision"] as? String == "keep")

        let ledger = try await station.client.readResource(uri: "enpire://ledger")
        let text = try #require(ledger.first?.text)
        let records = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]])
        #expect(records.count == 1)
        #expect(records.first?["id"] as? String == id && records.first?["decision"] as? String == "keep")
        #expect(records.first?["tokens"] as? Int == 120)

        let status = try station.json(try await station.call("status").text)
        #expect(status["frozenCriteriaIntact"] as? Bool == true)
        #expect(status["tokensReported"] as? Int == 120)
        #expect((status["bestKept"] as? [String: Any])?["id"] as? String == id)
        try await station.stop()
    }

    @Test("bad recipes, unknown trial ids, a spent budget and changed criteria are tool errors; the server keeps answering")
    func errorsAreToolErrors() async throws {
        let station = try await ServedStation.start(trials: 1)

        let unknown = try await station.call("run_trial", ["recipe": ["noSuchWeight": 1], "hypothesis": "typo"])
        #expect(unknown.isError && unknown.text.contains("noSuchWeight"), "\(unknown.text)")
        let outside = try await station.call("run_trial", ["recipe": ["angleWeight": -1e9], "hypothesis": "too low"])
        #expect(outside.isError && outside.text.contains("outside its range"), "\(outside.text)")
        let notNumber = try await station.call("run_trial", ["recipe": ["angleWeight": "heavy"], "hypothesis": "words"])
        #expect(notNumber.isError && notNumber.text.contains("finite number"), "\(notNumber.text)")
        let noHypothesis = try await station.call("run_trial", ["recipe": [:]])
        #expect(noHypothesis.isError && noHypothesis.text.contains("hypothesis"), "\(noHypothesis.text)")
        let noTrial = try await station.call("keep", ["id": "mcp-1-99"])
        #expect(noTrial.isError && noTrial.text.contains("no pending trial 'mcp-1-99'"), "\(noTrial.text)")
        let noTool = try await station.call("evaluate")
        #expect(noTool.isError && noTool.text.contains("no tool 'evaluate'"), "\(noTool.text)")
        // None of the refusals above spent the one-trial budget.
        let first = try await station.call("run_trial", ["hypothesis": "baseline"])
        #expect(!first.isError, "\(first.text)")
        let second = try await station.call("run_trial", ["hypothesis": "one too many"])
        #expect(second.isError && second.text.contains("trial budget"), "\(second.text)")

        // The agent edits the frozen criteria in its workspace: trials are refused, the status says why.
        let frozen = station.folder.appendingPathComponent("frozen.json")
        var criteria = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: frozen)) as? [String: Any])
        criteria["successDefinition"] = "anything counts"
        try JSONSerialization.data(withJSONObject: criteria).write(to: frozen)
        let status = try station.json(try await station.call("status").text)
        #expect(status["frozenCriteriaIntact"] as? Bool == false)
        let changed = try await station.call("revert", ["id": "mcp-1-1"])
        #expect(!changed.isError, "reverting needs no criteria: \(changed.text)")
        await #expect(throws: (any Error).self) { try await station.client.readResource(uri: "enpire://criteria") }
        // Still answering.
        #expect(try await station.client.listTools().tools.count == 10)
        try await station.stop()
    }

    @Test("the criteria resource carries the sealed split: development seeds, held-out count and digest only")
    func criteriaAreSealed() async throws {
        let station = try await ServedStation.start()
        let resources = try await station.client.listResources().resources.map(\.uri)
        #expect(resources == ["enpire://brief", "enpire://criteria", "enpire://ledger"])
        let text = try #require(try await station.client.readResource(uri: "enpire://criteria").first?.text)
        let seeds = try #require(try station.json(text)["seeds"] as? [String: Any])
        #expect(Set(seeds.keys) == ["developmentSeeds", "heldOutCount", "heldOutDigest"])
        let brief = try #require(try await station.client.readResource(uri: "enpire://brief").first?.text)
        #expect(brief.contains("run_trial") && brief.contains("Budget: 1 trials"))
        #expect(!brief.contains(".operator"))
        try await station.stop()
    }

    @Test("a station in a fleet gets fleet_sync, which lists what was kept")
    func fleetSync() async throws {
        let station = try await ServedStation.start(fleet: true)
        let tools = try await station.client.listTools().tools.map(\.name)
        #expect(tools.last == "fleet_sync")
        let id = try #require(try station.json(try await station.call("run_trial", ["hypothesis": "baseline"]).text)["id"] as? String)
        #expect(try await station.call("keep", ["id": .string(id)]).isError == false)
        let synced = try await station.call("fleet_sync")
        #expect(!synced.isError, "\(synced.text)")
        let records = try #require(try station.json(synced.text)["records"] as? [[String: Any]])
        #expect(records.map { $0["id"] as? String } == [id])
        try await station.stop()
    }
}

@Suite("StationMCPServer: code workspaces")
struct StationMCPCodeTests {
    @Test("run_trial runs the policy work tree (a revision checked out first); a recipe is a tool error",
          .enabled(if: (try? PythonProbe.run("python3", script: "import json", arguments: [])) != nil))
    func codeRevision() async throws {
        let station = try await ServedStation.start(trials: 2, code: true)
        let workspace = ResearchWorkspace(folder: station.folder)
        let kept = try #require(try workspace.keptCommit())
        let refused = try await station.call("run_trial", ["hypothesis": "a recipe", "recipe": ["angleWeight": 50]])
        #expect(refused.isError && refused.text.contains("code workspace"))
        let ran = try await station.call("run_trial", ["hypothesis": "the kept code", "revision": .string(kept)])
        #expect(!ran.isError)
        let code = try #require(try station.json(ran.text)["code"] as? [String: Any])
        #expect(code["commit"] as? String == kept && code["parentCommit"] as? String == kept)
        try await station.stop()
    }
}
