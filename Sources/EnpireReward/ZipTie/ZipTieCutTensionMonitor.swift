public import Enpire

/// Remembers the left gripper's grasp force at the moment the cutter's jaws closed, from the arms' readings
/// step by step: the non-visual tension vote of the zip-tie verifier.
///
/// The force is taken from the last left-arm reading before the jaws read closed (the closure step itself may
/// already see the tie released by the cut). Only the latest closure counts.
public struct ZipTieCutTensionMonitor: Sendable, Equatable {
    /// Jaw opening at or below which the jaws count as closed.
    public var closedJawOpening: Double
    /// Grasp force at the latest closure, in newtons (nil before any closure).
    public private(set) var tensionAtClosure: Double?
    /// Jaw closures seen.
    public private(set) var closures = 0
    private var previousForce: Double?
    private var wasClosed = false

    /// Creates a monitor for an episode.
    public init(closedJawOpening: Double = 0.05) {
        self.closedJawOpening = closedJawOpening
    }

    /// Adds one control step's readings: the left arm's (`force[0]` = grasp force) and the cutter's (`gripper` =
    /// jaw opening). A missing force reads as no tension.
    public mutating func record(left: RobotState?, cutter: RobotState?) {
        let force = left?.force?.first.flatMap { $0.isFinite ? $0 : nil }
        let closed = (cutter?.gripper).map { $0 <= closedJawOpening } ?? false
        if closed, !wasClosed {
            closures += 1
            tensionAtClosure = previousForce ?? force ?? 0
        }
        wasClosed = closed
        previousForce = force
    }

    /// Starts a new episode.
    public mutating func reset() {
        self = ZipTieCutTensionMonitor(closedJawOpening: closedJawOpening)
    }
}
