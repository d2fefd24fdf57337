extension Station {
    /// Static choices for a station.
    public struct Configuration: Sendable {
        /// Station name (unique within a fleet).
        public var name: String
        /// Task name recorded with every episode.
        public var task: String
        /// Control rate in hertz (default: the slowest arm's rate).
        public var controlRateHz: Double?
        /// Watchdog timeout in seconds.
        public var watchdogTimeoutSeconds: Double

        /// Creates a configuration.
        public init(name: String, task: String, controlRateHz: Double? = nil, watchdogTimeoutSeconds: Double = 0.4) {
            self.name = name
            self.task = task
            self.controlRateHz = controlRateHz
            self.watchdogTimeoutSeconds = watchdogTimeoutSeconds
        }
    }
}
