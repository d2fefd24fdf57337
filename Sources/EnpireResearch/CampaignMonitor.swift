public import Enpire
import Foundation
import Synchronization

/// The live state of a running campaign, for a dashboard or any other watcher: every station (role, what it is
/// doing, episodes of its current trial, robot time, MRU, health, cameras), the ledger as trials are decided, the
/// held-out scores, and an emergency stop per station.
///
/// A campaign updates it as it goes (``ResearchCampaign/monitor``); readers take ``snapshot()``. An emergency
/// stop through ``emergencyStop(station:reason:)`` latches that station's `Station` (its arms hold), and the
/// campaign takes the station out of service: the trial it interrupted is discarded (not recorded, not counted),
/// confirmation and held-out episodes go to the stations still in service.
public final class CampaignMonitor: Sendable {
    /// One station as the monitor sees it.
    public struct StationState: Sendable, Codable, Equatable {
        /// Station name (`station-2`, `evaluator-1`).
        public var name: String
        /// `research` or `evaluation`.
        public var role: String
        /// `idle`, `trial`, `confirmation`, `held-out` or `stopped`.
        public var activity: String
        /// What the activity is about: the trial's hypothesis, the recipe confirmed, the policy scored.
        public var detail: String?
        /// The trial's id while one runs (`station-2-3`).
        public var trial: String?
        /// Episodes of the current activity finished.
        public var episodesDone: Int
        /// Episodes of the current activity (0: not known).
        public var episodesTotal: Int
        /// Robot time the station has used in this process, resets included, seconds.
        public var robotSeconds: Double
        /// Seconds since the station joined.
        public var wallSeconds: Double
        /// Wall seconds the station spent running trials, confirmation blocks or held-out episodes.
        public var busySeconds: Double
        /// MRU: the share of the station's wall time spent running experiments (busy over wall seconds).
        public var utilisation: Double
        /// Why the station is out of service, once it is.
        public var stoppedReason: String?
        /// The station's health, when it has a live `Station`.
        public var health: StationHealth?
        /// The station's camera names (``CampaignMonitor/frame(station:camera:)`` serves their latest frames).
        public var cameras: [String]
    }

    /// The whole campaign at one moment.
    public struct Snapshot: Sendable, Codable, Equatable {
        /// Task name.
        public var task: String
        /// `research`, `confirmation`, `held-out`, `follow-ups` or `finished`.
        public var phase: String
        /// When the campaign started, seconds since 1970.
        public var startedAtUnixSeconds: Double
        /// Stations in the order they joined.
        public var stations: [StationState]
        /// Research trials as they were decided (kept and reverted), in order.
        public var records: [ExperimentRecord]
        /// Held-out scores so far.
        public var heldOut: [HeldOutScore]
    }

    struct Entry {
        var state: StationState
        var station: Station?
        var joined: Date
        /// When the current activity began (nil: idle or stopped).
        var activeSince: Date?

        mutating func settle(_ now: Date) {
            if let since = activeSince { state.busySeconds += now.timeIntervalSince(since) }
            activeSince = nil
        }
    }

    struct State {
        var task = ""
        var phase = "research"
        var started = Date()
        var entries: [Entry] = []
        var records: [ExperimentRecord] = []
        var heldOut: [HeldOutScore] = []
    }

    let state = Mutex(State())

    /// An empty monitor; a campaign fills it.
    public init() {}

    /// Starts a campaign of `task`.
    public func begin(task: String) {
        state.withLock { state in
            state.task = task
            state.started = Date()
        }
    }

    /// The campaign moved on to `phase`.
    public func phase(_ phase: String) { state.withLock { $0.phase = phase } }

    /// A station joined (or rejoined under the same name: its counters and any stop carry on).
    public func register(name: String, role: String, station: Station?) {
        state.withLock { state in
            if let index = state.entries.firstIndex(where: { $0.state.name == name }) {
                // A station out of service keeps showing the station that was stopped (the new one gets no work).
                if state.entries[index].state.stoppedReason == nil {
                    state.entries[index].station = station
                    state.entries[index].state.cameras = station?.cameraNames ?? []
                }
                return
            }
            state.entries.append(Entry(
                state: StationState(name: name, role: role, activity: "idle", episodesDone: 0, episodesTotal: 0,
                                    robotSeconds: 0, wallSeconds: 0, busySeconds: 0, utilisation: 0,
                                    cameras: station?.cameraNames ?? []),
                station: station, joined: Date()))
        }
    }

    /// `name` started an activity of `episodes` episodes (`trial` with its id, `confirmation`, `held-out`).
    public func started(_ name: String, activity: String, detail: String?, trial: String? = nil, episodes: Int) {
        let now = Date()
        entry(name) { entry in
            guard entry.state.stoppedReason == nil else { return }
            entry.settle(now)
            entry.activeSince = now
            entry.state.activity = activity
            entry.state.detail = detail
            entry.state.trial = trial
            entry.state.episodesDone = 0
            entry.state.episodesTotal = episodes
        }
    }

    /// `name` finished an episode that used `robotSeconds`.
    public func episodeFinished(_ name: String, robotSeconds: Double) {
        update(name) { station in
            station.episodesDone += 1
            station.robotSeconds += robotSeconds
        }
    }

    /// `name` finished its activity (`record`: the trial it decided).
    public func finished(_ name: String, record: ExperimentRecord? = nil) {
        if let record { state.withLock { $0.records.append(record) } }
        let now = Date()
        entry(name) { entry in
            guard entry.state.stoppedReason == nil else { return }
            entry.settle(now)
            entry.state.activity = "idle"
            entry.state.detail = nil
            entry.state.trial = nil
        }
    }

    /// A held-out score is in.
    public func scored(_ score: HeldOutScore) { state.withLock { $0.heldOut.append(score) } }

    /// Whether `name` was taken out of service.
    public func isStopped(_ name: String) -> Bool {
        state.withLock { $0.entries.first { $0.state.name == name }?.state.stoppedReason != nil }
    }

    /// Takes `name` out of service with `reason` (the campaign calls this when its station's stop is seen).
    public func stopped(_ name: String, reason: String) {
        let now = Date()
        entry(name) { entry in
            entry.settle(now)
            if entry.state.stoppedReason == nil { entry.state.stoppedReason = reason }
            entry.state.activity = "stopped"
            entry.state.detail = nil
            entry.state.trial = nil
        }
    }

    /// Latches the emergency stop of station `name` (its arms hold) and takes it out of service. Returns false
    /// when no station has that name.
    @discardableResult
    public func emergencyStop(station name: String, reason: String = "emergency stop") async -> Bool {
        guard let station = liveStation(name) else { return false }
        stopped(name, reason: reason)
        await station?.emergencyStop()
        return true
    }

    /// The health of station `name` now (`nil`: no such station, or it has no live `Station`).
    public func health(of name: String) async -> StationHealth? {
        await liveStation(name)??.currentHealth
    }

    /// The latest frame of `camera` on station `name`, when it has one now.
    public func frame(station name: String, camera: String) async -> Frame? {
        await liveStation(name)??.currentFrames()[camera]
    }

    /// The campaign now, with each live station's health and cameras read at this moment.
    public func snapshot() async -> Snapshot {
        let now = Date()
        var (snapshot, live) = state.withLock { state -> (Snapshot, [(Int, Station)]) in
            let stations = state.entries.map { entry in
                var station = entry.state
                station.wallSeconds = now.timeIntervalSince(entry.joined)
                station.busySeconds += entry.activeSince.map { now.timeIntervalSince($0) } ?? 0
                station.utilisation = min(1, station.busySeconds / max(station.wallSeconds, 1e-9))
                return station
            }
            let snapshot = Snapshot(task: state.task, phase: state.phase,
                                    startedAtUnixSeconds: state.started.timeIntervalSince1970, stations: stations,
                                    records: state.records, heldOut: state.heldOut)
            return (snapshot, state.entries.enumerated().compactMap { index, entry in
                entry.station.map { (index, $0) }
            })
        }
        for (index, station) in live {
            snapshot.stations[index].health = await station.currentHealth
        }
        return snapshot
    }

    /// `nil`: no station `name`; `.some(nil)`: it has no live `Station`.
    private func liveStation(_ name: String) -> Station?? {
        state.withLock { state in state.entries.first { $0.state.name == name }.map(\.station) }
    }

    private func update(_ name: String, _ body: (inout StationState) -> Void) {
        entry(name) { body(&$0.state) }
    }

    private func entry(_ name: String, _ body: (inout Entry) -> Void) {
        state.withLock { state in
            guard let index = state.entries.firstIndex(where: { $0.state.name == name }) else { return }
            body(&state.entries[index])
        }
    }
}
