import Enpire
import Foundation

/// Fixtures shared by the fleet and ledger tests.
enum FleetFixtures {
    static func temporaryFolder(_ label: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("enpire-\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func record(id: String, station: String, task: String = "pusht", successes: Int, trials: Int,
                       decision: ExperimentDecision = .keep, config: [String: String] = [:]) throws
        -> ExperimentRecord
    {
        ExperimentRecord(
            id: id, task: task, station: station, hypothesis: "try \(id)", parentCommit: "abc123",
            diffSummary: "1 file changed", config: config.isEmpty ? ["lr": "0.001", "id": id] : config,
            dataRefs: ["episodes/\(station)"], checkpointRefs: [], frozenHash: "f00d", trialBudget: trials,
            results: try TrialResults(successes: successes, trials: trials), decision: decision,
            wallTimeSeconds: 12.5, robotTimeSeconds: 10, tokens: 1_000, startedAtUnixSeconds: 1_700_000_000,
            finishedAtUnixSeconds: 1_700_000_012.5)
    }
}
