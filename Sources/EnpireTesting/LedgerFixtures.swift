public import Enpire
public import Foundation

/// Fixtures for tests of the experiment ledger and the fleet: a fresh temporary folder and a filled-in
/// `ExperimentRecord`.
public enum LedgerFixtures {
    /// Creates and returns a new, empty folder under the system's temporary directory.
    ///
    /// - Parameter label: Part of the folder name (`enpire-<label>-<UUID>`), to tell test folders apart.
    public static func temporaryFolder(_ label: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("enpire-\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// A complete experiment record with fixed placeholder provenance (parent commit, hashes, times).
    ///
    /// - Parameters:
    ///   - id: The record's id; also the `id` entry of the default configuration.
    ///   - station: The station that ran the trial.
    ///   - task: The task name.
    ///   - successes: Successful trials.
    ///   - trials: Trials run; also the trial budget.
    ///   - decision: Whether the change was kept.
    ///   - config: The recipe configuration; empty means `["lr": "0.001", "id": id]`.
    /// - Throws: `EvaluationError` when `successes` and `trials` are impossible counts.
    public static func record(id: String, station: String, task: String = "pusht", successes: Int, trials: Int,
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
