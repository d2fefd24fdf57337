/// A robot arm the station can command: real hardware, a simulator, or a test double.
///
/// Conformers are actors so that one arm handle is never driven from two places at once.
/// `send` returns the command that was actually applied, which may differ from the request
/// (hardware clamps, a gripper that was already closed, ...): stations record both.
public protocol RobotArm: Actor {
    /// Static description of the arm.
    nonisolated var specification: ArmSpecification { get }
    /// Opens the connection to the hardware.
    func connect() async throws
    /// Reads the current state.
    func observe() async throws -> RobotState
    /// Sends one command and returns what the arm applied.
    func send(_ command: ArmCommand) async throws -> ArmCommand
    /// Moves to the home pose.
    func home() async throws
    /// Stops all motion immediately (used by the e-stop).
    func stop() async throws
    /// Closes the connection.
    func disconnect() async
}

extension RobotArm {
    /// Default: nothing to open.
    public func connect() async throws {}
    /// Default: nothing to close.
    public func disconnect() async {}
}
