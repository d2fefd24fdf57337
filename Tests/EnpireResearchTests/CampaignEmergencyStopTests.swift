import Enpire
import EnpireResearch
import Foundation
import Synchronization
import Testing

/// The lab's reach task with a hook in the middle of every episode of every station (at its third step), so a test
/// can press a station's e-stop at an exact point of the campaign, while an episode runs.
struct HookedReachTask: ResearchTask {
    let inner = ReachTask()
    let hook: @Sendable (_ station: String, _ episode: Int) async -> Void
    var name: String { inner.name }
    var summary: String { inner.summary }
    var space: RecipeSpace { inner.space }
    var baseline: Recipe { inner.baseline }
    var episodeLimit: Int { inner.episodeLimit }
    var verdictIsGroundTruth: Bool { true }
    var criteria: TaskCriteria { inner.criteria }
    func policy(for recipe: Recipe) throws -> any Policy { try inner.policy(for: recipe) }
    func makeStation(role: StationRole, name: String) async throws -> any ResearchStation {
        let base = try await inner.makeStation(role: role, name: name)
        return HookedStation(name: name, base: base, hook: hook)
    }
}

struct HookedStation: ResearchStation {
    let name: String
    let base: any ResearchStation
    let hook: @Sendable (String, Int) async -> Void
    let count = EpisodeCounter()
    var liveStation: Station? { base.liveStation }
    func runEpisode(policy: any Policy, seed: UInt64, split: String) async throws -> EpisodeOutcome {
        let episode = count.next(), name = name, hook = hook
        let hooked = HookedPolicy(inner: policy) { step in if step == 2 { await hook(name, episode) } }
        return try await base.runEpisode(policy: hooked, seed: seed, split: split)
    }
}

/// A policy that calls `onStep` with each step's index before acting.
struct HookedPolicy: Policy {
    var inner: any Policy
    let onStep: @Sendable (Int) async -> Void
    var name: String { inner.name }
    mutating func reset() { inner.reset() }
    mutating func action(for observation: Observation) async throws -> [ArmCommand] {
        await onStep(observation.stepIndex)
        return try await inner.action(for: observation)
    }
}

final class EpisodeCounter: Sendable {
    let value = Mutex(0)
    func next() -> Int { value.withLock { $0 += 1; return $0 } }
}

@Suite("Emergency stops during a campaign")
struct CampaignEmergencyStopTests {
    @Test("an e-stopped research station and an e-stopped evaluator leave service; nothing they interrupted is counted")
    func stationsLeaveService() async throws {
        let monitor = CampaignMonitor()
        let task = HookedReachTask { station, episode in
            // station-2: during the last episode of its round-2 trial; evaluator-1: during its 3rd held-out episode.
            if (station == "station-2" && episode == 8) || (station == "evaluator-1" && episode == 3) {
                #expect(await monitor.emergencyStop(station: station, reason: "test button"))
            }
        }
        var configuration = ResearchCampaign.Configuration()
        configuration.stations = 3
        configuration.iterations = 3
        configuration.episodesPerTrial = 4
        configuration.heldOutEpisodes = 20
        configuration.confirmationEpisodes = 4
        configuration.confirmationCandidates = 3
        configuration.scoringWorkers = 2
        let output = LabTaskTests.folder("estop")
        defer { try? FileManager.default.removeItem(at: output) }
        var campaign = ResearchCampaign(task: task, configuration: configuration, output: output)
        campaign.monitor = monitor
        let result = try await campaign.run(logger: .silent)
        // station-2's round-2 trial was interrupted: not recorded; it ran nothing afterwards.
        let ids = Set(result.records.map(\.id))
        #expect(ids == ["station-1-1", "station-1-2", "station-1-3", "station-2-1", "station-3-1", "station-3-2", "station-3-3"])
        #expect(result.confirmation.allSatisfy { $0.station != "station-2" })
        // Held-out scores still count every seed once: evaluator-2 ran what evaluator-1 could not.
        #expect(result.best?.trials == 20 && result.baseline?.trials == 20)
        let snapshot = await monitor.snapshot()
        #expect(snapshot.phase == "finished" && snapshot.task == "reach")
        let byName = Dictionary(uniqueKeysWithValues: snapshot.stations.map { ($0.name, $0) })
        for name in ["station-2", "evaluator-1"] {
            let station = try #require(byName[name])
            #expect(station.activity == "stopped" && station.stoppedReason == "test button", "\(name)")
            #expect(station.health?.emergencyStopLatched == true, "\(name): the station holds")
        }
        #expect(byName["station-1"]?.health?.emergencyStopLatched == false)
        #expect(snapshot.records.count == 7 && snapshot.heldOut.map(\.trials) == [20, 20])
        // Episodes of the held-out phase: 40 counted, split over the evaluators; evaluator-1 counted only 2.
        #expect(byName["evaluator-1"]?.episodesDone == 2)
        #expect(await monitor.emergencyStop(station: "no-such-station") == false)
    }

    @Test("a campaign whose every research station is e-stopped ends with a message, not a result")
    func everyStationStopped() async throws {
        let monitor = CampaignMonitor()
        let task = HookedReachTask { station, episode in
            if episode == 2 { await monitor.emergencyStop(station: station) }
        }
        var configuration = ResearchCampaign.Configuration()
        configuration.stations = 2
        configuration.iterations = 2
        configuration.episodesPerTrial = 3
        configuration.heldOutEpisodes = 10
        let output = LabTaskTests.folder("estop-all")
        defer { try? FileManager.default.removeItem(at: output) }
        var campaign = ResearchCampaign(task: task, configuration: configuration, output: output)
        campaign.monitor = monitor
        await #expect(throws: ResearchError.stationsStopped(phase: "research")) {
            _ = try await campaign.run(logger: .silent)
        }
        let ledger = try ExperimentLedger(fileURL: output.appendingPathComponent("stations/station-1/ledger.jsonl"))
        #expect(await ledger.allRecords().isEmpty)
    }

    @Test("parallel lanes: a stopped lane's episode runs on another lane; no lane left is an error")
    func laneStops() async throws {
        let outcomes = try await ParallelEpisodes.run(count: 30, lanes: 3) { $0 } body: { lane, index in
            if lane == 1, index >= 4 { throw ParallelEpisodes.LaneStopped(reason: "lane 1 stopped") }
            try await Task.sleep(for: .microseconds(200))
            return index
        }
        #expect(outcomes == Array(0..<30))
        await #expect(throws: ParallelEpisodesError.noLanesLeft(remaining: 10, reason: "stopped at 20")) {
            _ = try await ParallelEpisodes.run(count: 30, lanes: 1) { $0 } body: { _, index in
                if index == 20 { throw ParallelEpisodes.LaneStopped(reason: "stopped at 20") }
                return index
            }
        }
    }
}
