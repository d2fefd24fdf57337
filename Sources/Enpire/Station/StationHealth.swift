/// A snapshot of a station's condition and counters, for dashboards, agents and MRU accounting.
public struct StationHealth: Sendable, Codable, Equatable {
    /// Station name.
    public var name: String
    /// Whether `connect()` succeeded.
    public var connected: Bool
    /// Whether episodes are paused (after a failed reset, or by request).
    public var paused: Bool
    /// Why the station paused itself, if it did.
    public var pauseReason: String?
    /// Whether the emergency stop is latched.
    public var emergencyStopLatched: Bool
    /// Episodes run (any ending).
    public var episodes: Int
    /// Episodes that ended in success.
    public var successes: Int
    /// Episodes aborted by faults.
    public var aborted: Int
    /// Control steps executed.
    public var steps: Int
    /// Safety interventions, by kind.
    public var interventions: [String: Int]
    /// Robot time spent executing episodes, in seconds.
    public var episodeSeconds: Double
    /// Robot time spent resetting, in seconds (experiment overhead, reported separately in MRU).
    public var resetSeconds: Double
    /// Reset attempts made.
    public var resetAttempts: Int
    /// Resets that ended unverified.
    public var resetFailures: Int
    /// The last fault, if any.
    public var lastFault: String?
}
