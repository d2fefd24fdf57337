import Enpire
@testable import EnpireFleet
import EnpireTasks
import Foundation
import Testing

/// Workspace-level regressions of issue 17, class 5 (each failed on the code before the fix).
@Suite("Push-T workspace against a hostile fleet (issue 17, class 5)")
struct PushTWorkspaceFleetTests {
    static func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("enpire-wsfleet-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func keptRecord(_ workspace: PushTWorkspace, id: String, successes: Int, trials: Int,
                           config: [String: String]) throws -> ExperimentRecord {
        let file = try workspace.station()
        return ExperimentRecord(id: id, task: file.task, station: file.name, hypothesis: "h", config: config,
                                frozenHash: file.frozenHash, trialBudget: trials,
                                results: try TrialResults(successes: successes, trials: trials), decision: .keep,
                                wallTimeSeconds: 1, robotTimeSeconds: 1, tokens: 0, startedAtUnixSeconds: 1,
                                finishedAtUnixSeconds: 2)
    }

    /// A workspace in `outer` that joined the fleet `outer/fleet.git`, with one pending baseline trial.
    static func fleetWorkspaceWithTrial(_ outer: URL, station: String) async throws
        -> (workspace: PushTWorkspace, fleet: URL, trial: PushTWorkspace.PendingTrial)
    {
        let fleet = outer.appendingPathComponent("fleet.git")
        let workspace = PushTWorkspace(folder: outer.appendingPathComponent(station))
        _ = try await workspace.initialise(station: station, fleet: fleet.path, episodesPerTrial: 1, heldOut: 1)
        let trial = try await workspace.runTrial(recipe: PushTPlannerRecipes.baseline.parameters, hypothesis: "h")
        return (workspace, fleet, trial)
    }

    @Test("a pending trial whose id is ../../victim cannot make keep/revert delete a file outside the workspace")
    func traversalTrialIdDeletesNothing() async throws {
        let outer = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: outer) }
        let workspace = PushTWorkspace(folder: outer.appendingPathComponent("ws"))
        _ = try await workspace.initialise(station: "station-1", fleet: nil, episodesPerTrial: 1, heldOut: 1)
        let victim = outer.appendingPathComponent("victim.json")
        try Data("precious".utf8).write(to: victim)
        let forged = """
            {"id": "../../victim", "recipe": {"family": "pusht.planner", "parameters": {}}, "hypothesis": "x",
             "results": {"successes": 1, "trials": 1, "rate": 1, "wilsonLower": 0.2, "wilsonUpper": 1},
             "robotSeconds": 1, "wallSeconds": 1, "startedAt": 1}
            """
        try Data(forged.utf8).write(to: workspace.operatorFolder.appendingPathComponent("pending/evil.json"))
        await #expect(throws: (any Error).self) { _ = try await workspace.decide("../../victim", keep: false) }
        #expect(FileManager.default.fileExists(atPath: victim.path))
        #expect(try workspace.pendingTrials().isEmpty)
    }

    @Test("two workspaces with the default station name cannot join one fleet")
    func defaultStationNameClash() async throws {
        let outer = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: outer) }
        let fleet = outer.appendingPathComponent("fleet.git").path
        _ = try await PushTWorkspace(folder: outer.appendingPathComponent("a"))
            .initialise(station: "station-1", fleet: fleet, episodesPerTrial: 1, heldOut: 1)
        await #expect(throws: (any Error).self) {
            _ = try await PushTWorkspace(folder: outer.appendingPathComponent("b"))
                .initialise(station: "station-1", fleet: fleet, episodesPerTrial: 1, heldOut: 1)
        }
    }

    @Test("eval ranks by the Wilson lower bound like status: 2/3 beats a 1/1")
    func evalRanksByWilson() async throws {
        let outer = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: outer) }
        let workspace = PushTWorkspace(folder: outer.appendingPathComponent("ws"))
        _ = try await workspace.initialise(station: "station-1", fleet: nil, episodesPerTrial: 1, heldOut: 1)
        var steady = PushTPlannerRecipes.baseline
        steady.parameters["angleWeight"] = 150
        var lucky = PushTPlannerRecipes.baseline
        lucky.parameters["angleWeight"] = 20
        let ledger = try workspace.ledger()
        try await ledger.append(try Self.keptRecord(workspace, id: "station-1-1", successes: 2, trials: 3,
                                                    config: PushTPlannerRecipes.config(steady)))
        try await ledger.append(try Self.keptRecord(workspace, id: "station-1-2", successes: 1, trials: 1,
                                                    config: PushTPlannerRecipes.config(lucky)))
        #expect(await ledger.bestKept()?.id == "station-1-1")
        let (recipe, _) = try await workspace.evaluateBest()
        #expect(recipe == steady)
    }

    @Test("eval refuses instead of scoring the baseline when the best kept record does not parse")
    func evalRefusesUnparseableBest() async throws {
        let outer = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: outer) }
        let workspace = PushTWorkspace(folder: outer.appendingPathComponent("ws"))
        _ = try await workspace.initialise(station: "station-1", fleet: nil, episodesPerTrial: 1, heldOut: 1)
        try await workspace.ledger().append(try Self.keptRecord(workspace, id: "station-1-1", successes: 3, trials: 3,
                                                                config: ["family": "pusht.planner", "angleWeight": "many"]))
        await #expect(throws: (any Error).self) { _ = try await workspace.evaluateBest() }
    }

    @Test("keep whose publish fails stays retryable: keep again publishes it")
    func keepPublishRetry() async throws {
        let outer = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: outer) }
        let (workspace, fleet, trial) = try await Self.fleetWorkspaceWithTrial(outer, station: "station-1")
        let away = outer.appendingPathComponent("fleet-away.git")
        try FileManager.default.moveItem(at: fleet, to: away)
        await #expect(throws: (any Error).self) { _ = try await workspace.decide(trial.id, keep: true) }
        try FileManager.default.moveItem(at: away, to: fleet)
        let record = try await workspace.decide(trial.id, keep: true)
        #expect(record.decision == .keep)
        let observer = try await FleetStation(name: "observer", remote: FleetRemote(path: fleet),
                                              clonePath: outer.appendingPathComponent("observer"))
        #expect(try await observer.keptResults().map(\.id) == [trial.id])
        #expect(await (try workspace.ledger()).allRecords().count == 1)
    }

    @Test("a keep forged in the agent-writable ledger is never published: not by keep ID, not by fleet republish")
    func forgedLedgerKeepIsNotPublished() async throws {
        let outer = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: outer) }
        let (workspace, fleet, trial) = try await Self.fleetWorkspaceWithTrial(outer, station: "station-1")
        _ = try await workspace.decide(trial.id, keep: true)
        let forged = try Self.keptRecord(workspace, id: "station-1-99", successes: 50, trials: 50,
                                         config: PushTPlannerRecipes.config(PushTPlannerRecipes.baseline))
        try await workspace.ledger().append(forged)
        await #expect(throws: PushTWorkspace.WorkspaceError.self) { _ = try await workspace.decide(forged.id, keep: true) }
        #expect(try await workspace.republish().recordIDs == [trial.id])
        let observer = try await FleetStation(name: "observer", remote: FleetRemote(path: fleet),
                                              clonePath: outer.appendingPathComponent("observer"))
        #expect(try await observer.keptResults().map(\.id) == [trial.id])
        // Without its operator folder (as inside the agent sandbox) republish refuses.
        let sealedOff = PushTWorkspace(folder: workspace.folder, operatorFolder: outer.appendingPathComponent("absent"))
        await #expect(throws: PushTWorkspace.WorkspaceError.self) { _ = try await sealedOff.republish() }
    }

    @Test("a malformed file a peer pushed under records/ does not break fleet sync or eval on another station")
    func malformedFleetFileDoesNotBreakEval() async throws {
        let outer = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: outer) }
        let (first, fleet, trial) = try await Self.fleetWorkspaceWithTrial(outer, station: "station-a")
        _ = try await first.decide(trial.id, keep: true)
        // The peer writes a broken record straight onto the remote's results branch.
        let remote = try GitRepository(openingOrCreatingBareAt: fleet.path)
        let broken = try remote.commit(base: try remote.target(of: "refs/heads/results"),
                                       adding: [("records/evil/evil-1.json", Data("{ broken".utf8))],
                                       message: "hostile", author: "mallory")
        try remote.setReference("refs/heads/results", to: broken)

        let second = PushTWorkspace(folder: outer.appendingPathComponent("b"))
        _ = try await second.initialise(station: "station-b", fleet: fleet.path, episodesPerTrial: 1, heldOut: 1)
        let handle = try #require(try await second.fleetStation())
        try await handle.sync()
        #expect(try await handle.keptResults().map(\.id) == [trial.id])
        let (recipe, results) = try await second.evaluateBest()
        #expect(recipe == PushTPlannerRecipes.recipe(from: PushTPlannerRecipes.config(trial.recipe)))
        #expect(results.trials == 1)
    }
}
