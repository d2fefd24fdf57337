/// One control step as recorded: what was observed, requested, applied, and by whom.
public struct StepRecord: Sendable, Codable, Equatable {
    /// Step index within the episode.
    public var index: Int
    /// Time since the episode started, in seconds (robot time).
    public var timeSeconds: Double
    /// Who issued the requested commands.
    public var source: ActionSource
    /// Arm states observed before the command, in station arm order.
    public var arms: [RobotState]
    /// Feature vectors observed before the command (see ``Observation/features``).
    public var features: [String: [Double]]
    /// Commands as requested, one per arm.
    public var requested: [ArmCommand]
    /// Commands the arms reported as applied, one per arm.
    public var applied: [ArmCommand]
    /// Safety interventions that happened on this step.
    public var interventions: [SafetyIntervention]
    /// Dense reward score after the step, when a reward function ran.
    public var reward: Double?
    /// Success flag after the step, when a reward function ran.
    public var success: Bool?
    /// On a step another source took over through `Station.send(_:source:)` (a person correcting the
    /// policy, for example), what the episode's policy had requested; `requested` then holds the commands that
    /// were sent. `nil` on steps the policy drove (and in records written before this field existed).
    public var policyRequested: [ArmCommand]?

    /// Creates a step record.
    public init(index: Int, timeSeconds: Double, source: ActionSource, arms: [RobotState],
                features: [String: [Double]] = [:], requested: [ArmCommand], applied: [ArmCommand],
                interventions: [SafetyIntervention] = [], reward: Double? = nil, success: Bool? = nil,
                policyRequested: [ArmCommand]? = nil) {
        self.index = index
        self.timeSeconds = timeSeconds
        self.source = source
        self.arms = arms
        self.features = features
        self.requested = requested
        self.applied = applied
        self.interventions = interventions
        self.reward = reward
        self.success = success
        self.policyRequested = policyRequested
    }
}
