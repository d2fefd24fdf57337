/// Constants of the simulated pin-insertion station (planar side view, y up, 1 unit = 1 mm, mass in kg,
/// so forces inside Chipmunk are in millinewtons and are reported in newtons).
public enum PinInsertionGeometry {
    /// Pin width in millimetres.
    public static let pinWidth = 8.0
    /// Pin length in millimetres.
    public static let pinLength = 40.0
    /// Pin mass in kilograms.
    public static let pinMass = 0.02
    /// Where the gripper holds the pin, above the pin's centre along its axis, in millimetres.
    public static let graspOffset = 12.0
    /// Distance from the hand (grasp point) to the pin tip along the pin axis, in millimetres.
    public static var handToTip: Double { pinLength / 2 + graspOffset }
    /// Total clearance between pin and hole (hole width minus pin width), in millimetres.
    public static let clearance = 0.5
    /// Hole width in millimetres.
    public static var holeWidth: Double { pinWidth + clearance }
    /// Hole depth below the block's top face, in millimetres.
    public static let holeDepth = 30.0
    /// Width of each of the two block halves beside the hole, in millimetres.
    public static let blockHalfWidth = 60.0
    /// Insertion depth of the pin tip that counts as inserted, in millimetres.
    public static let successDepth = 20.0
    /// Largest lateral offset of the pin tip from the hole axis that counts as aligned, in millimetres.
    public static var alignmentTolerance: Double { clearance }
    /// Largest pin-to-hole angle difference that counts as aligned, in radians.
    public static let angleTolerance = 0.05
    /// Largest contact-force magnitude on the pin that counts as released, in newtons.
    public static let forceBound = 3.0
    /// Consecutive control steps the force must stay at or below ``forceBound`` for a success.
    public static let settledSteps = 5
    /// Nominal x of the hole mouth in millimetres; seeds shift it by up to ``holeXRange``.
    public static let nominalHoleX = 0.0
    /// Half-range of the seeded hole x shift, in millimetres.
    public static let holeXRange = 20.0
    /// Half-range of the seeded hole (block) angle, in radians.
    public static let holeAngleRange = 0.05
    /// Half-range of the seeded bias of the published hole-pose estimate along x, in millimetres.
    public static let holeEstimateBiasRange = 0.4
    /// Start pose of the hand: x, y (mm), angle (rad).
    public static let startPose: [Double] = [0, 90, 0]
    /// Height the reset extraction lifts the hand to before moving sideways, in millimetres.
    public static let extractionHeight = 70.0
    /// Control rate in hertz.
    public static let controlRateHz = 20.0
    /// Physics step in seconds (1 kHz: the grasp springs' period is about 20 ms).
    public static let physicsStepSeconds = 0.001
    /// Physics steps per control step.
    public static let substepsPerControlStep = 50
    /// Translational grasp stiffness in N/mm.
    public static let graspStiffness = 2.0
    /// Rotational grasp stiffness in N·mm/rad.
    public static let graspAngularStiffness = 200.0
    /// Hand PD position gain in 1/s² and velocity gain in 1/s (critically damped, 20 rad/s).
    public static let handPositionGain = 400.0
    /// Hand PD velocity gain in 1/s.
    public static let handVelocityGain = 40.0
    /// Hand speed limit in mm/s.
    public static let handMaxSpeed = 300.0
    /// Hand angular speed limit in rad/s.
    public static let handMaxAngularSpeed = 2.0
    /// Command-space lower limits: x, y (mm), angle (rad).
    public static let lowerLimits: [Double] = [-100, -40, -0.5]
    /// Command-space upper limits: x, y (mm), angle (rad).
    public static let upperLimits: [Double] = [100, 150, 0.5]
    /// Step budget of one evaluation episode (15 s at 20 Hz).
    public static let maxEpisodeSteps = 300
}
