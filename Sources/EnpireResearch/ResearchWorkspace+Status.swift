public import Enpire
import Foundation

extension ResearchWorkspace {
    /// A workspace at a glance: what `enpire status` prints and the MCP `status` tool starts from.
    public struct Status: Encodable, Sendable {
        /// The station file written by `enpire init`.
        public var station: StationFile
        /// Whether the frozen criteria still hash to the operator's frozen hash (trials are refused otherwise).
        public var frozenCriteriaIntact: Bool
        /// Why they are not, when they are not.
        public var frozenCriteriaProblem: String?
        /// Trials in the ledger (kept or reverted; held-out evaluations not counted).
        public var trialsRecorded: Int
        /// The best kept record of the station's task, if any.
        public var bestKept: ExperimentRecord?
        /// Trials awaiting keep or revert.
        public var pending: [PendingTrial]
        /// Trials left in the current agent run (`nil`: no live agent run holds a budget).
        public var remainingTrials: Int?
        /// Held-out evaluations used.
        public var evaluationsUsed: Int
        /// Held-out evaluations allowed.
        public var evaluationLimit: Int
        /// A code workspace's kept commit (`nil` for a recipe workspace).
        public var keptCommit: String?
    }

    /// Reads the workspace's status (station file, frozen criteria, ledger, pending trials, budgets).
    public func status() async throws -> Status {
        let station = try station()
        let criteria = Result { try frozenCriteria() }
        let ledger = try ledger()
        let evaluations = try evaluations()
        var problem: String?
        if case .failure(let error) = criteria { problem = ErrorMessage.oneLine(error) }
        return Status(station: station, frozenCriteriaIntact: problem == nil, frozenCriteriaProblem: problem,
                      trialsRecorded: await ledger.allRecords().filter { $0.decision != .evaluation }.count,
                      bestKept: await ledger.bestKept(task: station.task), pending: try pendingTrials(),
                      remainingTrials: try remainingTrials(), evaluationsUsed: evaluations.used,
                      evaluationLimit: evaluations.limit, keptCommit: try keptCommit())
    }
}
