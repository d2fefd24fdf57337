/// Wall-clock time from the operating system's monotonic clock, for real hardware.
public struct SystemClock: StationClock {
    private let origin = ContinuousClock.now

    /// Creates a clock whose origin is now.
    public init() {}

    /// Seconds since the clock was created.
    public func now() -> Double {
        let elapsed = ContinuousClock.now - origin
        return elapsed.inSeconds
    }

    /// Sleeps on the system clock.
    public func sleep(untilSeconds deadline: Double) async throws {
        let remaining = deadline - now()
        if remaining > 0 {
            try await Task.sleep(for: .seconds(remaining))
        }
    }
}
