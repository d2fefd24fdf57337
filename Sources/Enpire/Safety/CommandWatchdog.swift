/// Notices when commands stop arriving: past `timeoutSeconds` without a command, the station holds the arms.
public struct CommandWatchdog: Sendable, Equatable {
    /// Longest allowed gap between commands, in seconds (default 0.4 s).
    public var timeoutSeconds: Double
    /// Time of the last command, or `nil` before the first.
    public private(set) var lastCommandSeconds: Double?
    /// Whether the watchdog has fired since the last command (so it fires once per gap).
    public private(set) var fired = false

    /// Creates a watchdog.
    public init(timeoutSeconds: Double = 0.4) {
        self.timeoutSeconds = timeoutSeconds
    }

    /// Records that a command was sent at `now`.
    public mutating func noteCommand(at now: Double) {
        lastCommandSeconds = now
        fired = false
    }

    /// Stops watching (no commands are expected, for example between episodes).
    public mutating func disarm() {
        lastCommandSeconds = nil
        fired = false
    }

    /// Whether a hold must be sent now: armed, the gap exceeds the timeout, and it has not fired for this gap.
    public mutating func shouldHold(at now: Double) -> Bool {
        guard let last = lastCommandSeconds, !fired, now - last > timeoutSeconds else { return false }
        fired = true
        return true
    }
}
