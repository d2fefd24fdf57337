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

/// The trial a workspace is running now (``ResearchWorkspace/runningTrial()``): who runs it, since when, how
/// far it got and when it should end. Development episodes only; held-out evaluation is never reported here.
public struct RunningTrial: Codable, Sendable, Equatable {
    /// What `<operator>/trials/<id>/running.json` holds while the trial runs.
    struct Marker: Codable {
        var pid: Int32
        var startedAt: Double
        var episodes: Int
    }

    /// The marker file's name inside the trial's evidence folder.
    static let markerName = "running.json"

    /// The trial id (`<station>-<n>`).
    public var id: String
    /// The process running it.
    public var pid: Int32
    /// Start, seconds since 1970.
    public var startedAt: Double
    /// Episodes finished so far.
    public var episodesFinished: Int
    /// Episodes in the trial (the development seeds).
    public var episodes: Int
    /// Seconds until the trial should end, extrapolated from the episodes finished (`nil` before the first).
    public var etaSeconds: Double?
}

extension ResearchWorkspace {
    /// The trial running now, or `nil`. A trial counts as running while its marker exists and the process that
    /// wrote it is alive (a runner killed with `kill -9` leaves a marker that is ignored).
    public func runningTrial() throws -> RunningTrial? {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: trialsURL.path)) ?? []
        var running: RunningTrial?
        for name in names {
            let folder = trialsURL.appendingPathComponent(name)
            guard let data = try? SafeFile.read(folder.appendingPathComponent(RunningTrial.markerName), limit: 1 << 20),
                  let marker = try? JSONDecoder().decode(RunningTrial.Marker.self, from: data),
                  Self.isAlive(marker.pid) else { continue }
            let finished = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [])
                .filter { $0.hasPrefix("episode-") && $0.hasSuffix(".json") }.count
            let event = ProgressEvent(phase: "trial", done: finished, total: marker.episodes,
                                      since: Date(timeIntervalSince1970: marker.startedAt))
            let trial = RunningTrial(id: name, pid: marker.pid, startedAt: marker.startedAt, episodesFinished: finished,
                                     episodes: marker.episodes, etaSeconds: event.etaSeconds)
            if running.map({ $0.startedAt < trial.startedAt }) ?? true { running = trial }
        }
        return running
    }
}
