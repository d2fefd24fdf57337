/// Holding a used-up push primitive's last target until the pusher arrives: with a soft or lagging controller the
/// targets run out while the pusher is still short of its push, and a decision taken then reads a scene that is
/// still changing. Reads only the pusher's own position. Used by ``PushTHeuristicExpert``
/// (``PushTPlannerParameters/arrivalTolerance``) and by the learned primitive selector's executor.
public struct PushTArrivalWait: Sendable, Equatable {
    /// Most steps one primitive's last target is held.
    public static let maximumSteps = 10
    private var waited = 0

    /// Creates a wait that has held nothing yet.
    public init() {}

    /// Whether to hold `last` one more step: the pusher at `agent` is farther than `tolerance` (table pixels; 0 or
    /// less: never hold) from it and it has been held fewer than ``maximumSteps`` steps. Counts the held steps; a
    /// false answer starts the count again.
    public mutating func holds(agent: SIMD2<Double>, last: SIMD2<Double>, tolerance: Double) -> Bool {
        let gap = agent - last
        guard tolerance > 0, waited < Self.maximumSteps, (gap * gap).sum().squareRoot() > tolerance else {
            waited = 0
            return false
        }
        waited += 1
        return true
    }

    /// Forgets the steps held so far (a new episode).
    public mutating func reset() { waited = 0 }
}
