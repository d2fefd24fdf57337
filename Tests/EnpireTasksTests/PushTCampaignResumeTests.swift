import Enpire
import EnpireFleet
@testable import EnpireTasks
import EnpireTesting
import Foundation
import Logging
import Testing

/// Issue 17, class 8: an interrupted `enpire main` continues with `--resume` and loses only work in flight.
///
/// The interruption is a throw at a saved checkpoint (standing in for `kill -9` right after that point);
/// `scripts/main-resume-check.sh` does the same with real `kill -9` on the release binary.
@Suite("Push-T campaign resume")
struct PushTCampaignResumeTests {
    struct Killed: Error {}

    enum Point: String, CaseIterable, Sendable {
        case research, confirmation, heldOut
    }

    static func configuration() -> PushTCampaign.Configuration {
        var configuration = PushTCampaign.Configuration()
        configuration.research.stations = 3
        configuration.research.iterations = 3
        configuration.research.episodesPerTrial = 2
        configuration.research.heldOutEpisodes = 8
        configuration.demonstrations = 0
        configuration.research.scoreBaseline = false
        configuration.research.confirmationEpisodes = 3
        configuration.research.confirmationCandidates = 3
        configuration.learnedPolicy = false
        return configuration
    }

    @Test("a campaign interrupted during research, confirmation or held-out scoring resumes to a final report",
          arguments: Point.allCases)
    func resumeAfterInterruption(point: Point) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("enpire-resume-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        var first = PushTCampaign(configuration: Self.configuration(), output: folder)
        first.checkpoint = { checkpoint in
            switch (point, checkpoint) {
            case (.research, .researchTrial(station: "station-1", iteration: 2)),
                 (.confirmation, .confirmationBlock(1)),
                 (.heldOut, .heldOutEpisode(label: "best recipe", scored: 4)):
                throw Killed()
            default: return
            }
        }
        await #expect(throws: Killed.self) { _ = try await first.run(logger: .silent) }
        let ledger = folder.appendingPathComponent("stations/station-1/ledger.jsonl")
        let before = try ExperimentLedger.readRecords(at: ledger)
        #expect(!before.isEmpty)

        // A new campaign refuses the folder; the resumed one continues it.
        await #expect(throws: CampaignError.self) {
            _ = try await PushTCampaign(configuration: Self.configuration(), output: folder).run(logger: .silent)
        }
        let recording = RecordingLogHandler.Recording()
        let result = try await PushTCampaign.resuming(output: folder).run(logger: Logger(label: "test") { _ in RecordingLogHandler(recording) })
        #expect(result.resumes == 1)
        let after = try ExperimentLedger.readRecords(at: ledger)
        #expect(after.count == 3)
        #expect(Array(after.prefix(before.count)) == before)
        let best = try #require(result.best)
        #expect(best.trials == 8)
        let log = recording.messages.joined(separator: "\n")
        switch point {
        case .research:
            #expect(before.count == 2)
        case .confirmation:
            #expect(log.contains("confirmation: resuming after 1 finished blocks"))
        case .heldOut:
            // At least the 4 episodes scored before the interruption; the other lane may have finished more.
            #expect((4...8).contains { log.contains("held-out: best recipe resuming: \($0) of 8 episodes were scored before") })
        }
        // Every kept record is on the fleet, including one whose publish a kill could have cut off.
        let observer = try await FleetStation(name: "check", remote: FleetRemote(path: folder.appendingPathComponent("fleet.git")),
                                              clonePath: folder.appendingPathComponent("check-clone"))
        let kept = Set(try await observer.keptResults().map(\.id))
        #expect(kept == Set(result.records.filter { $0.decision == .keep }.map(\.id)))
    }
}
