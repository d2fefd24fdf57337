import Synchronization

/// A clock that jumps forward instead of waiting: simulated stations run as fast as the machine allows
/// while every timestamp stays in simulated seconds ("robot time").
public final class SimulatedClock: StationClock {
    private let seconds: Mutex<Double>

    /// Creates a clock reading `start` seconds.
    public init(start: Double = 0) {
        seconds = Mutex(start)
    }

    /// Current simulated time.
    public func now() -> Double {
        seconds.withLock { $0 }
    }

    /// Advances the clock to `deadline` at once (never backwards).
    public func sleep(untilSeconds deadline: Double) async throws {
        seconds.withLock { $0 = max($0, deadline) }
    }

    /// Advances the clock by `delta` seconds.
    public func advance(bySeconds delta: Double) {
        seconds.withLock { $0 += max(0, delta) }
    }
}
