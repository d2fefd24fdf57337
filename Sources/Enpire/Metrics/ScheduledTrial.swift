/// A trial an agent asked for, waiting in the scheduler for a robot.
public struct ScheduledTrial: Sendable, Equatable, Identifiable {
    /// Unique identifier.
    public var id: String
    /// Agent that asked for it (results go back to it).
    public var agent: String
    /// Robot that must run it, or `nil` for any robot of the fleet.
    public var robot: String?
    /// What to run (recipe, checkpoint hash, seeds...), interpreted by the robot's trial runner.
    public var parameters: [String: String]
    /// When it was enqueued, in seconds on the scheduler's clock (set by the scheduler).
    public var enqueuedAtSeconds: Double

    /// Creates a trial request.
    public init(id: String, agent: String, robot: String? = nil, parameters: [String: String] = [:]) {
        self.id = id
        self.agent = agent
        self.robot = robot
        self.parameters = parameters
        enqueuedAtSeconds = 0
    }
}
