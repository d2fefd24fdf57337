public import Enpire
public import Foundation

extension ResearchWorkspace {

    /// The station file: the operator's copy when the operator folder is readable (the workspace copy is only
    /// informational and an agent could edit it), else `station.json` in the workspace.
    public func station() throws -> StationFile {
        if let state = try? readState() { return state.station }
        guard let data = try? SafeFile.read(stationURL, limit: Self.maximumDocumentBytes),
              let file = try? JSONDecoder().decode(StationFile.self, from: data) else {
            throw WorkspaceError.notInitialised(folder.path)
        }
        return file
    }
    /// The frozen criteria, refusing if their hash differs from the one the operator folder holds.
    public func frozenCriteria() throws -> FrozenCriteria {
        guard FileManager.default.fileExists(atPath: stationURL.path) else { throw WorkspaceError.notInitialised(folder.path) }
        let expected = try readState().station.frozenHash
        let criteria: FrozenCriteria
        do {
            criteria = try JSONDecoder().decode(FrozenCriteria.self, from: SafeFile.read(frozenURL, limit: Self.maximumDocumentBytes))
        } catch {
            throw WorkspaceError.frozenCriteriaChanged(fields: ["frozen.json unreadable: \(error)"])
        }
        let hash = try criteria.contentHash()
        if hash != expected {
            let original = try? JSONDecoder().decode(FrozenCriteria.self,
                                                     from: SafeFile.read(originalCriteriaURL, limit: Self.maximumDocumentBytes))
            let fields = original.map { criteria.changedFields(comparedTo: $0) } ?? []
            throw WorkspaceError.frozenCriteriaChanged(
                fields: fields.isEmpty ? ["content hash \(hash.prefix(12)) != \(expected.prefix(12))"] : fields)
        }
        return criteria
    }
    /// The ledger.
    public func ledger() throws -> ExperimentLedger {
        _ = try station()
        return try ExperimentLedger(fileURL: ledgerURL)
    }
    /// Trials finished and awaiting keep/revert (kept in the operator folder, where the agent cannot forge them).
    public func pendingTrials() throws -> [PendingTrial] {
        try pendingTrialFiles().map(\.trial)
    }

    /// Trials left in the current agent run, or `nil` when no live agent run holds a budget (unlimited).
    public func remainingTrials() throws -> Int? {
        guard let run = try readState().agentRun, Self.isAlive(run.pid) else { return nil }
        return run.trialsRemaining
    }

    /// Held-out evaluations used and allowed.
    public func evaluations() throws -> (used: Int, limit: Int) {
        let state = try readState()
        return (state.evaluationsUsed, state.evaluationLimit)
    }

    // MARK: Agent runs

    /// Claims the workspace's trial budget for an agent run of process `pid` (refused while another live
    /// process holds it; a claim left by a process that no longer exists is replaced).
    public func beginAgentRun(trials: Int, pid: Int32 = getpid()) throws {
        try updateState { state in
            if let run = state.agentRun, run.pid != pid, Self.isAlive(run.pid) {
                throw WorkspaceError.agentRunActive(pid: run.pid)
            }
            state.agentRun = OperatorState.AgentRun(pid: pid, trialsRemaining: trials)
        }
    }
    static func isAlive(_ pid: Int32) -> Bool {
        pid > 0 && (kill(pid, 0) == 0 || errno == EPERM)
    }
    /// Releases the trial budget claimed by ``beginAgentRun(trials:pid:)``.
    public func endAgentRun(pid: Int32 = getpid()) throws {
        try updateState { state in
            if state.agentRun?.pid == pid { state.agentRun = nil }
        }
    }
}
