import Enpire
import EnpireFleet
import EnpireResearch
import EnpireTasks
import EnpireTesting
import Foundation
import Testing

/// Code-level experiments (issue 20): a scripted agent (no language model) edits the policy code through the work
/// tree, runs it as a trial, keeps it; a second station adopts it through the fleet's Git remote.
@Suite("Code workspaces: the policy is a Git work tree")
struct CodeWorkspaceTests {
    static func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("enpire-code-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// The templates run `python3`; without one the tests have nothing to run.
    static var hasPython: Bool { (try? PythonProbe.run("python3", script: "import json", arguments: [])) != nil }

    /// The policy sandbox where bubblewrap can run (PolicySandboxTests checks it), else the operator's opt-out:
    /// these tests check the workspace, not the sandbox.
    static let isolation: PolicyIsolation = AgentSandbox.probe() == nil ? .sandboxed : .unsandboxed

    static func workspace(_ outer: URL, station: String, task: any ResearchTask, fleet: String?,
                          episodes: Int = 2) async throws -> ResearchWorkspace {
        let registry = TaskRegistry()
        BuiltInTasks.register(in: registry)
        let workspace = ResearchWorkspace(folder: outer.appendingPathComponent(station), registry: registry,
                                          policyIsolation: isolation)
        _ = try await workspace.initialise(task: task, station: station, fleet: fleet, episodesPerTrial: episodes,
                                           heldOut: 2, code: true)
        return workspace
    }

    static func edit(_ workspace: ResearchWorkspace, _ path: String, _ change: (String) -> String) throws {
        let url = try #require(try workspace.policyWorkTree()).folder.appendingPathComponent(path)
        let text = try String(contentsOf: url, encoding: .utf8)
        let changed = change(text)
        #expect(changed != text, "the scripted edit must change \(path)")
        try Data(changed.utf8).write(to: url)
    }

    @Test("scripted agent: edit the Push-T cost code, trial, keep; a second station adopts it over a file:// remote",
          .enabled(if: hasPython))
    func editKeepAdopt() async throws {
        let outer = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: outer) }
        let bare = outer.appendingPathComponent("fleet.git")
        try FleetRemote.createBare(at: bare)
        let fleet = "file://\(bare.path)"
        let a = try await Self.workspace(outer, station: "station-a", task: PushTResearchTask(), fleet: fleet)
        let start = try #require(try a.keptCommit())
        let treeA = try #require(try a.policyWorkTree())
        #expect(try treeA.head() == start)

        // The agent changes the cost function: near the goal the planner weighs the angle five times more.
        try Self.edit(a, "policy.py") {
            $0.replacingOccurrences(of: "NEAR_GOAL_ANGLE_WEIGHT = RECIPE[\"angleWeight\"]",
                                    with: "NEAR_GOAL_ANGLE_WEIGHT = 100.0")
        }
        let trial = try await a.runTrial(recipe: [:], hypothesis: "weigh the angle more near the goal")
        let code = try #require(trial.code)
        #expect(code.parentCommit == start)
        #expect(code.commit != start && trial.commit == code.commit)
        #expect(code.diffSummary.contains("policy.py"))
        #expect(trial.results.trials == 2 && trial.robotSeconds > 0)
        // The trial did not move the station's branch.
        #expect(try treeA.branchCommit() == start)

        let kept = try await a.decide(trial.id, keep: true)
        #expect(kept.parentCommit == start && kept.commit == code.commit && kept.recipe == nil)
        #expect(try a.keptCommit() == code.commit)
        #expect(try treeA.branchCommit() == code.commit)

        // Station B adopts A's commit through the remote, runs it and keeps it.
        let b = try await Self.workspace(outer, station: "station-b", task: PushTResearchTask(), fleet: fleet)
        let startB = try #require(try b.keptCommit())
        #expect(startB != code.commit)
        let adopted = try await b.adopt(station: "station-a")
        #expect(adopted == code.commit)
        let treeB = try #require(try b.policyWorkTree())
        let policyB = try String(contentsOf: treeB.folder.appendingPathComponent("policy.py"), encoding: .utf8)
        #expect(policyB.contains("NEAR_GOAL_ANGLE_WEIGHT = 100.0"))
        let trialB = try await b.runTrial(recipe: [:], hypothesis: "station-a's angle weighting")
        #expect(trialB.code?.parentCommit == startB && trialB.code?.commit == code.commit)
        let keptB = try await b.decide(trialB.id, keep: true)
        #expect(keptB.parentCommit == startB && keptB.commit == code.commit)

        // `enpire ledger` prints this table: both stations' ledgers name the commits.
        let tableA = ExperimentLedger.markdownTable(await (try a.ledger()).allRecords())
        let tableB = ExperimentLedger.markdownTable(await (try b.ledger()).allRecords())
        #expect(tableA.contains("\(start.prefix(12)) -> \(code.commit.prefix(12))"))
        #expect(tableB.contains("\(startB.prefix(12)) -> \(code.commit.prefix(12))"))
        // The fleet holds both stations' code branches.
        let published = try PolicyWorkTree(folder: treeB.folder).fetchPublished(from: FleetRemote(fleet))
        #expect(published == ["station-a": code.commit, "station-b": code.commit])
    }

    @Test("a broken build is the trial's result: recorded as build-failed, the compiler's error, no robot time",
          .enabled(if: hasPython))
    func brokenBuild() async throws {
        let outer = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: outer) }
        let a = try await Self.workspace(outer, station: "station-a", task: PushTResearchTask(), fleet: nil)
        let start = try #require(try a.keptCommit())
        try Self.edit(a, "policy.py") { $0.replacingOccurrences(of: "def act(observation):", with: "def act(observation)") }
        var message = ""
        do {
            _ = try await a.runTrial(recipe: [:], hypothesis: "a typo")
            Issue.record("a broken build must not run")
        } catch let error as CodeWorkspaceError {
            message = error.description
        }
        #expect(message.contains("did not build") && message.contains("SyntaxError"))
        let record = try #require(await (try a.ledger()).allRecords().last)
        #expect(record.decision == .buildFailed)
        #expect(record.robotTimeSeconds == 0 && record.results.trials == 0)
        #expect(record.parentCommit == start && record.commit != nil && record.commit != start)
        #expect(record.failure?.contains("SyntaxError") == true)
        // No station ran: no episode was recorded for the trial, and nothing waits for a decision.
        let evidence = a.operatorFolder.appendingPathComponent("trials/\(record.id)")
        #expect(!FileManager.default.fileExists(atPath: evidence.path))
        #expect(try a.pendingTrials().isEmpty)
        // The kept commit is untouched; adopting it restores the work tree.
        #expect(try a.keptCommit() == start)
        _ = try await a.adopt(commit: start)
        let tree = try #require(try a.policyWorkTree())
        #expect(try tree.snapshot(message: "check", author: "t").commit == start)
    }

    @Test("revert resets the work tree to the kept commit; a stale keep is refused", .enabled(if: hasPython))
    func revertAndStaleKeep() async throws {
        let outer = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: outer) }
        let a = try await Self.workspace(outer, station: "station-a", task: PushTResearchTask(), fleet: nil, episodes: 1)
        let start = try #require(try a.keptCommit())
        let tree = try #require(try a.policyWorkTree())
        try Self.edit(a, "policy.py") { $0.replacingOccurrences(of: "NEAR_GOAL = 60.0", with: "NEAR_GOAL = 90.0") }
        try Data("scratch".utf8).write(to: tree.folder.appendingPathComponent("notes.txt"))
        let first = try await a.runTrial(recipe: [:], hypothesis: "a wider near-goal zone")
        let second = try await a.runTrial(recipe: [:], hypothesis: "the same again")
        #expect(second.code?.commit == first.code?.commit)
        _ = try await a.decide(first.id, keep: false)
        #expect(try a.keptCommit() == start && tree.head() == start)
        let policy = try String(contentsOf: tree.folder.appendingPathComponent("policy.py"), encoding: .utf8)
        #expect(policy.contains("NEAR_GOAL = 60.0"))
        #expect(!FileManager.default.fileExists(atPath: tree.folder.appendingPathComponent("notes.txt").path))
        // A new change on the kept commit, kept; then the second trial ran on a commit that is no longer kept.
        try Self.edit(a, "policy.py") { $0.replacingOccurrences(of: "NEAR_GOAL = 60.0", with: "NEAR_GOAL = 120.0") }
        let third = try await a.runTrial(recipe: [:], hypothesis: "a much wider zone")
        _ = try await a.decide(third.id, keep: true)
        await #expect(throws: CodeWorkspaceError.self) { _ = try await a.decide(second.id, keep: true) }
        #expect(try a.keptCommit() == third.code?.commit)
        // Held-out evaluation scores the kept commit's code (only what the work tree holds at the kept commit).
        let (_, heldOut) = try await a.evaluateBest()
        #expect(heldOut.trials == 2)
        let evaluation = try #require(await (try a.ledger()).allRecords().last)
        #expect(evaluation.decision == .evaluation && evaluation.commit == third.code?.commit)
        // A code workspace takes no recipe.
        await #expect(throws: CodeWorkspaceError.self) { _ = try await a.runTrial(recipe: ["angleWeight": 1], hypothesis: "h") }
    }

    @Test("without a working bubblewrap a code trial and an evaluation are refused before anything is built or charged")
    func noSandboxNoTrial() async throws {
        let outer = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: outer) }
        var a = try await Self.workspace(outer, station: "station-a", task: PushTResearchTask(), fleet: nil, episodes: 1)
        a.policyIsolation = .sandboxed(bubblewrap: outer.appendingPathComponent("no-such-bwrap").path)
        var message = ""
        do {
            _ = try await a.runTrial(recipe: [:], hypothesis: "run without a sandbox")
            Issue.record("a code trial must not run without its sandbox")
        } catch let error as PolicySandboxError {
            message = error.description
        }
        #expect(message.contains("cannot sandbox the policy code") && message.contains("--unsandboxed-policy"), "\(message)")
        await #expect(throws: PolicySandboxError.self) { _ = try await a.evaluateBest() }
        // Nothing recorded, pending or counted: the next trial is still number 1.
        #expect(await (try a.ledger()).allRecords().isEmpty)
        #expect(try a.pendingTrials().isEmpty)
        #expect(try a.evaluations().used == 0)
        let tree = try #require(try a.policyWorkTree())
        #expect(!FileManager.default.fileExists(atPath: tree.folder.appendingPathComponent("__pycache__").path))
    }

    @Test("a policy that answers an error or exits aborts its episodes, with its message as the reason",
          .enabled(if: hasPython))
    func policyFailsMidTrial() async throws {
        let outer = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: outer) }
        let a = try await Self.workspace(outer, station: "station-a", task: PushTResearchTask(), fleet: nil, episodes: 1)
        let answer = "    return {\"recipe\": recipe}"
        let refusal = "    return {\"error\": \"no idea at step %d\" % observation[\"step\"]}"
        try Self.edit(a, "policy.py") { $0.replacingOccurrences(of: answer, with: refusal) }
        let refused = try await a.runTrial(recipe: [:], hypothesis: "give up")
        #expect(refused.results.successes == 0)
        let reason = try await a.trialEvidence(refused.id).summaries.first?.reason ?? ""
        #expect(reason.contains("no idea at step 0"), "\(reason)")
        try Self.edit(a, "policy.py") {
            $0.replacingOccurrences(of: refusal, with: "    sys.stderr.write(\"leaving\\n\")\n    sys.exit(3)")
        }
        let exited = try await a.runTrial(recipe: [:], hypothesis: "exit")
        let exitReason = try await a.trialEvidence(exited.id).summaries.first?.reason ?? ""
        #expect(exitReason.contains("status 3") && exitReason.contains("leaving"), "\(exitReason)")
    }

    @Test("every built-in task's template builds and runs one episode", .enabled(if: hasPython),
          arguments: ["pin", "ziptie"])
    func builtInTemplates(task name: String) async throws {
        let outer = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: outer) }
        let registry = TaskRegistry()
        BuiltInTasks.register(in: registry)
        let a = try await Self.workspace(outer, station: "station-a", task: try registry.task(named: name), fleet: nil,
                                         episodes: 1)
        let manifest = try PolicyManifest.load(from: try #require(try a.policyWorkTree()).folder)
        #expect(manifest.privilege?.contains("simulator") == true)
        let trial = try await a.runTrial(recipe: [:], hypothesis: "the baseline as code")
        #expect(trial.results.trials == 1 && trial.code?.commit == trial.code?.parentCommit)
    }

    @Test("ENPIRE_HEAVY: the Swift package template: a compiler error is the trial's result, the fixed code runs",
          .enabled(if: ProcessInfo.processInfo.environment["ENPIRE_HEAVY"] == "1"))
    func swiftPackage() async throws {
        let outer = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: outer) }
        let registry = TaskRegistry()
        BuiltInTasks.register(in: registry)
        let a = ResearchWorkspace(folder: outer.appendingPathComponent("station-a"), registry: registry,
                                  policyIsolation: Self.isolation)
        _ = try await a.initialise(task: PushTResearchTask(), station: "station-a", fleet: nil, episodesPerTrial: 1,
                                   heldOut: 1, code: true, language: .swift)
        let main = "Sources/policy/main.swift"
        try Self.edit(a, main) { $0.replacingOccurrences(of: "[\"recipe\": recipe]", with: "[\"recipe\": recipe") }
        await #expect(throws: CodeWorkspaceError.self) { _ = try await a.runTrial(recipe: [:], hypothesis: "a typo") }
        let failed = try #require(await (try a.ledger()).allRecords().last)
        #expect(failed.decision == .buildFailed && failed.robotTimeSeconds == 0)
        #expect(failed.failure?.contains("error:") == true)
        try Self.edit(a, main) {
            $0.replacingOccurrences(of: "[\"recipe\": recipe", with: "[\"recipe\": recipe]")
                .replacingOccurrences(of: "\"angleWeight\": 20.0", with: "\"angleWeight\": 100.0")
        }
        let trial = try await a.runTrial(recipe: [:], hypothesis: "angle weight 100 in Swift")
        #expect(trial.results.trials == 1 && trial.code?.diffSummary.contains("main.swift") == true)
        print("swift package template: build \(trial.code?.buildSeconds ?? -1) s, trial wall \(trial.wallSeconds) s")
    }
}
