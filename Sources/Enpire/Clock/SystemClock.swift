/// Wall-clock time from the operating system's monotonic clock, for real hardware.
///
/// A control loop sleeps until each period boundary. A plain timer wake-up on Linux is late by a few hundred
/// microseconds typically and by several milliseconds now and then (timer coalescing, the thread not being
/// scheduled at once). This clock therefore asks for a timer with zero tolerance that fires `spinMargin` before the
/// deadline, and spends the rest of the wait checking the clock on the calling thread. At 30 Hz the default 1 ms
/// margin costs about 3 % of one core per sleeping loop; pass `spinMargin: .zero` where precision does not matter.
/// For the tightest timing on a real station, also run the process at a real-time priority (`chrt -f 50`, see
/// Docs/Hardware.md).
public struct SystemClock: StationClock {
    private let origin = ContinuousClock.now
    /// How long before each deadline the clock stops sleeping and checks the time on the calling thread instead.
    public let spinMargin: Duration

    /// Creates a clock whose origin is now.
    /// - Parameter spinMargin: the final stretch of every sleep spent checking the clock instead of sleeping
    ///   (clamped to 0…10 ms); 1 ms by default.
    public init(spinMargin: Duration = .milliseconds(1)) {
        self.spinMargin = min(max(spinMargin, .zero), .milliseconds(10))
    }

    /// Seconds since the clock was created.
    public func now() -> Double {
        let elapsed = ContinuousClock.now - origin
        return elapsed.inSeconds
    }

    /// Sleeps on the system clock until `deadline`: a zero-tolerance timer up to `spinMargin` before it, then a
    /// check of the clock in a loop (cancellation is honoured during the timer, not during the final spin).
    public func sleep(untilSeconds deadline: Double) async throws {
        let remaining = deadline - now()
        guard remaining > 0 else { return }
        let target = ContinuousClock.now + .seconds(remaining)
        let wake = target - spinMargin
        if wake > ContinuousClock.now {
            try await Task.sleep(until: wake, tolerance: .zero, clock: .continuous)
        }
        while ContinuousClock.now < target {}
    }
}
