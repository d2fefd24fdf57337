/// Static facts about an arm: the shape of its command space, hard limits, and control rate.
public struct ArmSpecification: Sendable, Codable, Equatable {
    /// Human-readable name, unique within a station (for example `"left"`, `"pusher"`).
    public var name: String
    /// Names of the command-space axes (for example `["x", "y"]`); their count is the command dimension.
    public var axisNames: [String]
    /// Lowest value the hardware accepts per axis.
    public var lowerLimits: [Double]
    /// Highest value the hardware accepts per axis.
    public var upperLimits: [Double]
    /// Rate at which the arm expects commands, in hertz.
    public var controlRateHz: Double
    /// Whether the arm has a gripper.
    public var hasGripper: Bool
    /// Home pose in the command space, used by `Station.home()` (projected into the arm's workspace); `nil`
    /// homes to the centre of the workspace.
    public var homePosition: [Double]?

    /// Creates a specification.
    public init(name: String, axisNames: [String], lowerLimits: [Double], upperLimits: [Double],
                controlRateHz: Double, hasGripper: Bool = false, homePosition: [Double]? = nil) {
        self.name = name
        self.axisNames = axisNames
        self.lowerLimits = lowerLimits
        self.upperLimits = upperLimits
        self.controlRateHz = controlRateHz
        self.hasGripper = hasGripper
        self.homePosition = homePosition
    }

    /// Number of command-space axes.
    public var dimension: Int { axisNames.count }

    /// One control period in seconds.
    public var controlPeriodSeconds: Double { 1.0 / controlRateHz }
}
