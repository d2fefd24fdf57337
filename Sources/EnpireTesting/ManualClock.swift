public import Enpire
import Synchronization

/// A clock that only moves when a test says so: sleepers stay suspended until ``advance(bySeconds:)`` (or
/// ``advance(toSeconds:)``) passes their deadline. Use it to test timeouts (the command watchdog) without
/// waiting in real time.
public final class ManualClock: StationClock {
    private struct Sleeper {
        var deadline: Double
        var continuation: CheckedContinuation<Void, Never>
    }
    private struct State {
        var now: Double
        var sleepers: [Sleeper] = []
    }
    private let state: Mutex<State>

    /// Creates a clock reading `start` seconds.
    public init(start: Double = 0) {
        state = Mutex(State(now: start))
    }

    /// Current time.
    public func now() -> Double {
        state.withLock { $0.now }
    }

    /// Number of tasks currently suspended in ``sleep(untilSeconds:)``.
    public var sleeperCount: Int {
        state.withLock { $0.sleepers.count }
    }

    /// Suspends until the clock is advanced to at least `deadline`.
    public func sleep(untilSeconds deadline: Double) async throws {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resumeNow = state.withLock { state -> Bool in
                if state.now >= deadline { return true }
                state.sleepers.append(Sleeper(deadline: deadline, continuation: continuation))
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }

    /// Moves the clock forward by `delta` seconds and wakes every sleeper whose deadline has passed.
    public func advance(bySeconds delta: Double) {
        advance(toSeconds: now() + max(0, delta))
    }

    /// Moves the clock to `time` (never backwards) and wakes every sleeper whose deadline has passed.
    public func advance(toSeconds time: Double) {
        let due = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.now = max(state.now, time)
            let now = state.now
            let due = state.sleepers.filter { $0.deadline <= now }.map(\.continuation)
            state.sleepers.removeAll { $0.deadline <= now }
            return due
        }
        for continuation in due { continuation.resume() }
    }

    /// Waits (yielding, in real time up to `timeoutSeconds`) until at least `count` tasks are sleeping on this
    /// clock; returns whether they are. Lets a test advance time only once the code under test is waiting.
    public func waitForSleepers(_ count: Int = 1, timeoutSeconds: Double = 30) async -> Bool {
        let start = ContinuousClock.now
        while sleeperCount < count {
            if ContinuousClock.now - start > .milliseconds(Int64(timeoutSeconds * 1000)) { return false }
            try? await Task.sleep(for: .milliseconds(1))
        }
        return true
    }
}
