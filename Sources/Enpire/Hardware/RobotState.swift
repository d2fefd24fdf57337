/// One reading of an arm's proprioception.
public struct RobotState: Sendable, Codable, Equatable {
    /// Position in the arm's command space (same meaning and units as ``ArmCommand/target``).
    public var position: [Double]
    /// Velocity in the command space, per second.
    public var velocity: [Double]
    /// Gripper opening in [0, 1], or `nil` when the arm has no gripper.
    public var gripper: Double?
    /// Estimated external force/wrench at the end effector, when the arm can estimate it.
    public var force: [Double]?
    /// Time of the reading on the station clock, in seconds.
    public var timestampSeconds: Double
    /// Faults the arm reports (empty when healthy).
    public var faults: [String]

    /// Creates a state reading.
    public init(position: [Double], velocity: [Double], gripper: Double? = nil, force: [Double]? = nil,
                timestampSeconds: Double = 0, faults: [String] = []) {
        self.position = position
        self.velocity = velocity
        self.gripper = gripper
        self.force = force
        self.timestampSeconds = timestampSeconds
        self.faults = faults
    }
}
