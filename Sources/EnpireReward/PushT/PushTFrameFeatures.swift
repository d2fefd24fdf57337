/// What ``PushTFrameAnalyzer`` measures in one top-down Push-T frame.
public struct PushTFrameFeatures: Sendable, Codable, Equatable {
    /// Visible goal-coloured area as a fraction of the goal's expected image area (0 when the block covers it).
    public var visibleGoal: Double
    /// Estimated goal area hidden under the agent disc, as a fraction of the goal's expected image area.
    public var agentOccludedGoal: Double
    /// Fraction of the image that looks like the bright arena (a sanity check of the view and exposure).
    public var arenaFraction: Double

    /// Creates features.
    public init(visibleGoal: Double, agentOccludedGoal: Double, arenaFraction: Double) {
        self.visibleGoal = visibleGoal
        self.agentOccludedGoal = agentOccludedGoal
        self.arenaFraction = arenaFraction
    }
}
