/// Everything a policy may look at for one control step.
public struct Observation: Sendable {
    /// Index of the step within the episode (0 for the first).
    public var stepIndex: Int
    /// Time since the episode started, in seconds.
    public var elapsedSeconds: Double
    /// One state per arm, in the station's arm order.
    public var arms: [RobotState]
    /// Latest frame per camera name.
    public var frames: [String: Frame]
    /// Named feature vectors from estimators (for example a tracked object pose), or a simulator's
    /// privileged state. Hardware stations fill this from their own estimators; it may be empty.
    public var features: [String: [Double]]

    /// Creates an observation.
    public init(stepIndex: Int, elapsedSeconds: Double, arms: [RobotState], frames: [String: Frame] = [:],
                features: [String: [Double]] = [:]) {
        self.stepIndex = stepIndex
        self.elapsedSeconds = elapsedSeconds
        self.arms = arms
        self.frames = frames
        self.features = features
    }
}
