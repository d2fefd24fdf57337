import Enpire
import EnpireTasks
import Foundation
import Testing

/// Issue 17, classes 2 and 4 at the library level: sealed held-out seeds, the operator folder, evaluation
/// limits, and a trial budget the agent cannot escape.
@Suite("Push-T workspace: sealing and budgets")
struct PushTWorkspaceTests {
    static func fresh(heldOut: Int = 3, evaluationLimit: Int = 10) async throws -> PushTWorkspace {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("enpire-ws-\(UUID().uuidString)")
        let workspace = PushTWorkspace(folder: root.appendingPathComponent("ws"))
        _ = try await workspace.initialise(station: "s1", fleet: nil, episodesPerTrial: 1, heldOut: heldOut,
                                           evaluationLimit: evaluationLimit)
        return workspace
    }

    static func allText(under folder: URL) throws -> String {
        let files = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil)?.compactMap { $0 as? URL } ?? []
        return files.compactMap { try? String(contentsOf: $0, encoding: .utf8) }.joined(separator: "\n")
    }

    @Test("held-out seeds come from a secret: not a fixed range, different per workspace, absent from the workspace")
    func heldOutSeedsAreDerivedFromASecretOutsideTheWorkspace() async throws {
        let first = try await Self.fresh(heldOut: 5)
        let second = try await Self.fresh(heldOut: 5)
        let state = try JSONSerialization.jsonObject(with: Data(contentsOf: first.operatorFolder.appendingPathComponent("operator.json"))) as? [String: Any]
        let secret = try #require(state?["heldOutSecret"] as? String)
        #expect(secret.count == 64)
        // The operator folder is outside the workspace, private to its owner.
        #expect(!first.operatorFolder.path.hasPrefix(first.folder.path + "/"))
        let mode = try FileManager.default.attributesOfItem(atPath: first.operatorFolder.path)[.posixPermissions] as? Int
        #expect(mode == 0o700)
        // No trace of the secret, or of the old fixed range, in the workspace.
        let visible = try Self.allText(under: first.folder)
        #expect(!visible.contains(secret))
        #expect(!visible.contains("1000000"))
        #expect(!FileManager.default.fileExists(atPath: first.folder.appendingPathComponent("operator").path))
        // Two workspaces freeze different held-out sets (digest over the derived seeds).
        let digests = try [first, second].map {
            try JSONDecoder().decode(FrozenCriteria.self, from: Data(contentsOf: $0.folder.appendingPathComponent("frozen.json")))
                .seeds.heldOutDigest
        }
        #expect(digests[0] != digests[1])
    }

    @Test("init refuses an existing workspace and an operator folder inside the workspace")
    func initRefusesToReplaceCriteria() async throws {
        let workspace = try await Self.fresh()
        let frozen = try Data(contentsOf: workspace.folder.appendingPathComponent("frozen.json"))
        await #expect(throws: PushTWorkspace.WorkspaceError.self) {
            _ = try await workspace.initialise(station: "s1", fleet: nil, episodesPerTrial: 1, heldOut: 3)
        }
        #expect(try Data(contentsOf: workspace.folder.appendingPathComponent("frozen.json")) == frozen)
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("enpire-ws-\(UUID().uuidString)")
        let nested = PushTWorkspace(folder: root, operatorFolder: root.appendingPathComponent("operator"))
        await #expect(throws: PushTWorkspace.WorkspaceError.self) {
            _ = try await nested.initialise(station: "s1", fleet: nil, episodesPerTrial: 1, heldOut: 3)
        }
    }

    @Test("editing frozen.json and writing its hash into station.json is still refused")
    func frozenHashIsHeldByTheOperator() async throws {
        let workspace = try await Self.fresh()
        let frozenURL = workspace.folder.appendingPathComponent("frozen.json")
        var criteria = try JSONDecoder().decode(FrozenCriteria.self, from: Data(contentsOf: frozenURL))
        criteria.scoreWindow = 5
        try JSONEncoder().encode(criteria).write(to: frozenURL)
        let stationURL = workspace.folder.appendingPathComponent("station.json")
        var station = try JSONDecoder().decode(PushTWorkspace.StationFile.self, from: Data(contentsOf: stationURL))
        station.frozenHash = try criteria.contentHash()
        try JSONEncoder().encode(station).write(to: stationURL)
        #expect(throws: PushTWorkspace.WorkspaceError.self) { _ = try workspace.frozenCriteria() }
        await #expect(throws: PushTWorkspace.WorkspaceError.self) { _ = try await workspace.runTrial(recipe: [:], hypothesis: "x") }
        await #expect(throws: PushTWorkspace.WorkspaceError.self) { _ = try await workspace.evaluateBest() }
    }

    @Test("every eval is recorded in the ledger and the count is limited")
    func evaluationsAreCountedAndLimited() async throws {
        let workspace = try await Self.fresh(heldOut: 1, evaluationLimit: 2)
        _ = try await workspace.evaluateBest()
        _ = try await workspace.evaluateBest()
        await #expect(throws: PushTWorkspace.WorkspaceError.self) { _ = try await workspace.evaluateBest() }
        let records = try await workspace.ledger().allRecords()
        #expect(records.map(\.id) == ["s1-eval-1", "s1-eval-2"])
        #expect(records.allSatisfy { $0.decision == .evaluation && $0.results.trials == 1 })
        let evaluations = try workspace.evaluations()
        #expect(evaluations.used == 2 && evaluations.limit == 2)
        // Deleting the ledger does not reset the count: it lives in the operator folder. A deleted ledger is an
        // error of its own (never recreated empty); an emptied one still meets the limit.
        let ledgerURL = workspace.folder.appendingPathComponent("ledger.jsonl")
        try FileManager.default.removeItem(at: ledgerURL)
        await #expect(throws: LedgerError.self) { _ = try await workspace.evaluateBest() }
        try Data().write(to: ledgerURL)
        await #expect(throws: PushTWorkspace.WorkspaceError.self) { _ = try await workspace.evaluateBest() }
        #expect(try workspace.evaluations().used == 2)
    }

    @Test("the trial budget lives in the operator folder: deleting workspace files does not reset it")
    func budgetSurvivesTheAgentDeletingFiles() async throws {
        let workspace = try await Self.fresh()
        try workspace.beginAgentRun(trials: 1)
        _ = try await workspace.runTrial(recipe: [:], hypothesis: "one")
        try? FileManager.default.removeItem(at: workspace.folder.appendingPathComponent("budget.json"))
        try? FileManager.default.removeItem(at: workspace.folder.appendingPathComponent("station.json"))
        await #expect(throws: PushTWorkspace.WorkspaceError.self) { _ = try await workspace.runTrial(recipe: [:], hypothesis: "two") }
        try workspace.endAgentRun()
        #expect(try workspace.remainingTrials() == nil)
    }

    @Test("a live agent run holds the budget; the claim of a runner that died is released")
    func agentRunClaims() async throws {
        let workspace = try await Self.fresh()
        try workspace.beginAgentRun(trials: 0)
        // Another live process (this one's parent, standing in for a second runner) is refused.
        #expect(throws: PushTWorkspace.WorkspaceError.self) { try workspace.beginAgentRun(trials: 5, pid: getppid()) }
        try workspace.endAgentRun()
        let finished = Process()
        finished.executableURL = URL(fileURLWithPath: "/bin/true")
        try finished.run()
        finished.waitUntilExit()
        try workspace.beginAgentRun(trials: 0, pid: finished.processIdentifier)
        #expect(try workspace.remainingTrials() == nil)
        _ = try await workspace.runTrial(recipe: [:], hypothesis: "after a dead runner")
        try workspace.beginAgentRun(trials: 2)
        #expect(try workspace.remainingTrials() == 2)
        try workspace.endAgentRun()
    }

    @Test("a rejected recipe and an unreadable ledger spend no budget and run no episode")
    func refusedTrialsSpendNothing() async throws {
        let workspace = try await Self.fresh()
        try workspace.beginAgentRun(trials: 1)
        defer { try? workspace.endAgentRun() }
        await #expect(throws: PushTWorkspace.WorkspaceError.self) {
            _ = try await workspace.runTrial(recipe: ["contactsPerEdge": 0.5], hypothesis: "bad")
        }
        #expect(try workspace.remainingTrials() == 1)
        let ledgerURL = workspace.folder.appendingPathComponent("ledger.jsonl")
        let original = try Data(contentsOf: ledgerURL)
        try Data("not a record\n".utf8).write(to: ledgerURL)
        await #expect(throws: (any Error).self) { _ = try await workspace.runTrial(recipe: [:], hypothesis: "ledger broken") }
        #expect(try workspace.remainingTrials() == 1)
        try original.write(to: ledgerURL)
        _ = try await workspace.runTrial(recipe: [:], hypothesis: "fine")
        #expect(try workspace.remainingTrials() == 0)
    }

    @Test("parallel trials on a budget of 1: exactly one runs")
    func parallelTrialsRespectTheBudget() async throws {
        let workspace = try await Self.fresh()
        try workspace.beginAgentRun(trials: 1)
        defer { try? workspace.endAgentRun() }
        let outcomes = await withTaskGroup(of: Bool.self) { group in
            for index in 0..<4 {
                group.addTask { (try? await workspace.runTrial(recipe: [:], hypothesis: "p\(index)")) != nil }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 }.count == 1)
        #expect(try workspace.pendingTrials().count == 1)
    }

    @Test("pending trials live in the operator folder: a forged trial file in the workspace cannot be kept")
    func forgedPendingTrialsAreIgnored() async throws {
        let workspace = try await Self.fresh()
        let trials = workspace.folder.appendingPathComponent("trials")
        try FileManager.default.createDirectory(at: trials, withIntermediateDirectories: true)
        let forged = """
            {"id":"s1-9","recipe":{"family":"pusht-planner","parameters":{}},"hypothesis":"forged",
             "results":{"successes":1,"trials":1,"rate":1,"wilsonLower":0.2,"wilsonUpper":1},
             "robotSeconds":0,"wallSeconds":0,"startedAt":0}
            """
        try Data(forged.utf8).write(to: trials.appendingPathComponent("s1-9.json"))
        await #expect(throws: PushTWorkspace.WorkspaceError.self) { _ = try await workspace.decide("s1-9", keep: true) }
        // A real trial is decided once, even by two parallel decisions.
        let trial = try await workspace.runTrial(recipe: [:], hypothesis: "real")
        async let a = try? workspace.decide(trial.id, keep: true)
        async let b = try? workspace.decide(trial.id, keep: false)
        let decided = await [a, b].compactMap { $0 }
        #expect(decided.count == 1)
        #expect(try await workspace.ledger().allRecords().count == 1)
    }
}
