/// The station's notion of time, injectable so that simulated and tested stations run faster than real time.
///
/// Times are seconds since an arbitrary origin fixed for the clock's lifetime.
public protocol StationClock: Sendable {
    /// Current time in seconds.
    func now() -> Double
    /// Suspends until the clock reads at least `deadline` (returns at once if it already does).
    func sleep(untilSeconds deadline: Double) async throws
}
