/// How a station retries a push that lost a race: bounded attempts with exponential backoff and full jitter.
///
/// Full jitter (a uniform delay up to the backoff bound) spreads stations that collided apart, so the next
/// round does not collide again in lockstep.
public struct FleetRetryPolicy: Sendable, Equatable {
    /// Maximum number of push attempts per record.
    public var maxAttempts: Int
    /// Backoff bound after the first failure, in seconds.
    public var baseDelaySeconds: Double
    /// Largest backoff bound, in seconds.
    public var maxDelaySeconds: Double
    /// How long to wait for the push lock of a path remote before giving up, in seconds.
    public var lockTimeoutSeconds: Double

    /// Creates a policy.
    public init(maxAttempts: Int = 100, baseDelaySeconds: Double = 0.002, maxDelaySeconds: Double = 0.25,
                lockTimeoutSeconds: Double = 60) {
        self.maxAttempts = max(1, maxAttempts)
        self.baseDelaySeconds = max(0, baseDelaySeconds)
        self.maxDelaySeconds = max(self.baseDelaySeconds, maxDelaySeconds)
        self.lockTimeoutSeconds = lockTimeoutSeconds
    }

    /// The default policy: up to 100 attempts, backoff from 2 ms up to 250 ms.
    public static let standard = FleetRetryPolicy()

    /// A random delay for the given failed attempt (1-based).
    public func delaySeconds(afterFailedAttempt attempt: Int) -> Double {
        let bound = min(maxDelaySeconds, baseDelaySeconds * Double(1 << min(max(0, attempt - 1), 20)))
        return Double.random(in: 0...max(bound, 0))
    }
}
