import Enpire
public import EnpireResearch
import Foundation

/// What the dashboard page shows at one moment, as the `snapshot` event and `GET /api/snapshot` send it.
///
/// Built only from what the workspace offers its operator through `ResearchWorkspace`'s public methods
/// (status, ledger, pending and running trials, recorded development-episode frames, the emergency stop): it
/// never reads the operator state file itself, so the held-out secret and seeds cannot reach it.
public struct DashboardSnapshot: Encodable, Sendable, Equatable {
    /// The station and whether it can run trials.
    public struct Health: Encodable, Sendable, Equatable {
        /// Station name.
        public var station: String
        /// Task name.
        public var task: String
        /// Fleet remote, when the station joined one.
        public var fleet: String?
        /// Whether the emergency stop is latched.
        public var emergencyStopLatched: Bool
        /// Why it was latched.
        public var emergencyStopReason: String?
        /// Whether the frozen criteria still match the operator's hash (trials are refused otherwise).
        public var frozenCriteriaIntact: Bool
        /// Why they do not, with the operator folder's path replaced by `<operator folder>`.
        public var frozenCriteriaProblem: String?
        /// Trials left in the current agent run (`nil`: no live agent run holds a budget).
        public var agentTrialsRemaining: Int?
        /// Held-out evaluations used.
        public var evaluationsUsed: Int
        /// Held-out evaluations allowed.
        public var evaluationLimit: Int
    }

    /// One ledger record or pending trial, as a table row.
    public struct Row: Encodable, Sendable, Equatable {
        /// Trial id.
        public var id: String
        /// `keep`, `revert`, `evaluation` (held-out aggregate) or `pending`.
        public var decision: String
        /// Successes.
        public var successes: Int
        /// Episodes.
        public var trials: Int
        /// Success rate.
        public var rate: Double
        /// Lower end of the 95% Wilson score interval.
        public var wilsonLower: Double
        /// Upper end of the 95% Wilson score interval.
        public var wilsonUpper: Double
        /// Robot seconds the trial used.
        public var robotSeconds: Double
        /// When it finished (pending: when it started), seconds since 1970.
        public var time: Double
        /// The hypothesis it tested.
        public var hypothesis: String

        init(_ record: ExperimentRecord) {
            self.init(id: record.id, decision: record.decision.rawValue, results: record.results,
                      robotSeconds: record.robotTimeSeconds, time: record.finishedAtUnixSeconds, hypothesis: record.hypothesis)
        }

        init(_ trial: ResearchWorkspace.PendingTrial) {
            self.init(id: trial.id, decision: "pending", results: trial.results, robotSeconds: trial.robotSeconds,
                      time: trial.startedAt, hypothesis: trial.hypothesis)
        }

        init(id: String, decision: String, results: TrialResults, robotSeconds: Double, time: Double, hypothesis: String) {
            self.id = id
            self.decision = decision
            successes = results.successes
            trials = results.trials
            rate = results.rate
            wilsonLower = results.wilsonLower
            wilsonUpper = results.wilsonUpper
            self.robotSeconds = robotSeconds
            self.time = time
            self.hypothesis = hypothesis
        }
    }

    /// The latest camera frames of the latest trial.
    public struct Frames: Encodable, Sendable, Equatable {
        /// The trial.
        public var trial: String
        /// Its last recorded episode (0 is the first).
        public var episode: Int
        /// Camera names (file-safe), each served by `GET /api/frame?trial=&episode=&camera=`.
        public var cameras: [String]
    }

    /// The station and its health.
    public var health: Health
    /// Kept and reverted trials.
    public var kept: Int, reverted: Int
    /// Ledger records in order (kept, reverted and held-out evaluations), then pending trials.
    public var rows: [Row]
    /// The trial running now, with its progress and ETA.
    public var running: RunningTrial?
    /// The latest frames of the running trial, else of the latest pending or decided trial.
    public var frames: Frames?

    /// Reads a snapshot of `workspace`.
    public static func read(_ workspace: ResearchWorkspace) async throws -> DashboardSnapshot {
        let status = try await workspace.status()
        let records = try await workspace.ledger().allRecords()
        let reason = try workspace.emergencyStopReason()
        let operatorPath = workspace.operatorFolder.path
        let health = Health(station: status.station.name, task: status.station.task, fleet: status.station.fleet,
                            emergencyStopLatched: reason != nil, emergencyStopReason: reason,
                            frozenCriteriaIntact: status.frozenCriteriaIntact,
                            frozenCriteriaProblem: status.frozenCriteriaProblem?
                                .replacingOccurrences(of: operatorPath, with: "<operator folder>"),
                            agentTrialsRemaining: status.remainingTrials, evaluationsUsed: status.evaluationsUsed,
                            evaluationLimit: status.evaluationLimit)
        let running = try workspace.runningTrial()
        let pending = status.pending.sorted { $0.startedAt < $1.startedAt }
        let latest = running?.id ?? pending.last?.id ?? records.last { $0.decision != .evaluation }?.id
        var frames: Frames?
        if let latest, let evidence = try? await workspace.trialEvidence(latest),
           let episode = evidence.frames.map(\.episode).max() {
            frames = Frames(trial: latest, episode: episode,
                            cameras: evidence.frames.filter { $0.episode == episode }.map(\.camera).sorted())
        }
        return DashboardSnapshot(health: health, kept: records.filter { $0.decision == .keep }.count,
                                 reverted: records.filter { $0.decision == .revert }.count,
                                 rows: records.map(Row.init) + pending.map(Row.init), running: running, frames: frames)
    }
}
