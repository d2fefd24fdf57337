/// How an ``MJPEGCamera`` reconnects after its stream fails: exponential back-off, and optionally giving up.
public struct MJPEGReconnectPolicy: Sendable, Equatable {
    /// Seconds before the first reconnection after a failure.
    public var initialDelaySeconds = 0.1
    /// Longest wait between attempts (the delay doubles up to this).
    public var maximumDelaySeconds = 2.0
    /// Consecutive failed connections (no frame delivered) after which the camera stops trying; `nil` retries
    /// forever (a camera that reboots comes back).
    public var maximumConsecutiveFailures: Int?

    /// Creates a policy.
    public init(initialDelaySeconds: Double = 0.1, maximumDelaySeconds: Double = 2.0,
                maximumConsecutiveFailures: Int? = nil) {
        self.initialDelaySeconds = initialDelaySeconds
        self.maximumDelaySeconds = maximumDelaySeconds
        self.maximumConsecutiveFailures = maximumConsecutiveFailures
    }

    /// Checks the values, naming the bad one.
    public func validate() throws(MJPEGCameraError) {
        guard initialDelaySeconds.isFinite, initialDelaySeconds >= 0, maximumDelaySeconds.isFinite,
              maximumDelaySeconds >= initialDelaySeconds, maximumDelaySeconds <= 3_600 else {
            throw .invalidSetting("reconnect delays must satisfy 0 ≤ initialDelaySeconds ≤ maximumDelaySeconds ≤ 3600")
        }
        if let maximumConsecutiveFailures, maximumConsecutiveFailures < 1 {
            throw .invalidSetting("maximumConsecutiveFailures must be ≥ 1 (or nil to retry forever)")
        }
    }
}
