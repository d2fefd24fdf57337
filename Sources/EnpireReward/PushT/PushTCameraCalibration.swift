/// What one Push-T camera sees when the block is away from the goal: the goal marking's image pose and the
/// colours of goal, block and agent relative to the local arena white.
///
/// Measured by ``PushTFrameAnalyzer/calibrate(reference:)`` from a reference frame (goal marking fully visible)
/// of the same camera, so the camera's mount error, colour cast and exposure are absorbed once; frames judged
/// later are compared against it. Colours are RGB triples where the local arena white is (1, 1, 1).
public struct PushTCameraCalibration: Sendable, Codable, Equatable {
    /// The goal marking's pose in the image.
    public var goal: PushTImagePose
    /// Mean colour of the block's fill.
    public var blockColor: [Double]
    /// Mean colour of the goal marking.
    public var goalColor: [Double]
    /// Mean colour of the agent disc.
    public var agentColor: [Double]

    /// Creates a calibration.
    public init(goal: PushTImagePose, blockColor: [Double], goalColor: [Double], agentColor: [Double]) {
        self.goal = goal
        self.blockColor = blockColor
        self.goalColor = goalColor
        self.agentColor = agentColor
    }

    /// Whether every value is finite and every colour has three channels.
    var isUsable: Bool {
        let values = [goal.x, goal.y, goal.angle, goal.scale] + blockColor + goalColor + agentColor
        return blockColor.count == 3 && goalColor.count == 3 && agentColor.count == 3 && goal.scale > 0
            && values.allSatisfy(\.isFinite)
    }
}
