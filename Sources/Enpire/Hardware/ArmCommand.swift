/// What a station asks one arm to do for one control period.
///
/// `target` is expressed in the arm's command space, described by its ``ArmSpecification``
/// (for example an end-effector position in metres, joint angles in radians, or Push-T's pixel target).
public struct ArmCommand: Sendable, Codable, Equatable, Hashable {
    /// How the arm should interpret a command.
    public enum Mode: String, Sendable, Codable, Hashable {
        /// Move toward `target` (absolute coordinates in the command space).
        case position
        /// Keep the current pose: the safe action when a command is late, invalid, or the e-stop is latched.
        case hold
    }

    /// Interpretation of ``target``.
    public var mode: Mode
    /// Target in the arm's command space; empty for ``Mode/hold``.
    public var target: [Double]
    /// Gripper opening in [0, 1] (0 closed), or `nil` to leave the gripper as it is.
    public var gripper: Double?

    /// Creates a command.
    public init(mode: Mode = .position, target: [Double], gripper: Double? = nil) {
        self.mode = mode
        self.target = target
        self.gripper = gripper
    }

    /// A command that keeps the arm where it is.
    public static let hold = ArmCommand(mode: .hold, target: [])

    /// A position command toward `target`.
    public static func moveTo(_ target: [Double], gripper: Double? = nil) -> ArmCommand {
        ArmCommand(mode: .position, target: target, gripper: gripper)
    }
}
