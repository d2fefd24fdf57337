/// Constants of the simulated zip-tie cutting station (planar top view, 1 unit = 1 mm, mass in kg).
public enum ZipTieGeometry {
    /// Segments in the tie chain.
    public static let segmentCount = 12
    /// Length of one segment in millimetres.
    public static let segmentLength = 10.0
    /// Tie length in millimetres.
    public static var tieLength: Double { Double(segmentCount) * segmentLength }
    /// Mass of one segment in kilograms.
    public static let segmentMass = 0.01
    /// Bending stiffness of each joint in N·mm/rad (keeps the tie's seeded curl until it is pulled).
    public static let bendingStiffness = 5.0
    /// Joint index of the cut mark (between segments 5 and 6: 60 mm from the anchor).
    public static let markJoint = 6
    /// Largest distance between the blade line and the mark that still counts as a cut at the mark, in mm.
    public static let cutTolerance = 2.0
    /// Half-length of the cutter jaws along the blade, in millimetres: the mark must lie within it.
    public static let jawHalfLength = 10.0
    /// Largest angle between the blade normal and the tie at the mark for a clean cut, in radians.
    public static let cutAngleTolerance = 0.35
    /// Pull on the free end (grasp spring force) that counts as tensioned, in newtons.
    public static let minimumTension = 1.0
    /// Distance from the free end within which closing the left gripper grasps it, in millimetres.
    public static let graspRadius = 3.0
    /// Grasp spring stiffness in N/mm.
    public static let graspStiffness = 1.0
    /// Jaw/gripper speed in openings per second (0 closed, 1 open).
    public static let gripperSpeed = 5.0
    /// Jaw opening at or below which the jaws count as closed.
    public static let closedOpening = 0.05
    /// Half-range of the seeded anchor position shift in x and y, in millimetres.
    public static let anchorRange = 30.0
    /// Half-range of the seeded tie direction, in radians.
    public static let anchorAngleRange = Double.pi / 6
    /// Largest seeded bend per joint of the initial curl, in radians.
    public static let curlRange = 0.3
    /// Left hand start position [x, y] in mm.
    public static let leftStart: [Double] = [60, 110]
    /// Cutter start pose [x, y, angle] in mm and rad.
    public static let rightStart: [Double] = [60, -90, 0]
    /// Where the cutter parks after a cut, jaws open and clear of the tie, so cameras see the cut (x, y mm, angle).
    public static let inspectionPose: [Double] = [-60, -80, 0]
    /// Control rate in hertz.
    public static let controlRateHz = 20.0
    /// Physics step in seconds.
    public static let physicsStepSeconds = 0.001
    /// Physics steps per control step.
    public static let substepsPerControlStep = 50
    /// Hand PD gains (1/s², 1/s) and speed limit (mm/s), as in the pin station.
    public static let handPositionGain = 400.0
    /// Hand PD velocity gain in 1/s.
    public static let handVelocityGain = 40.0
    /// Hand speed limit in mm/s.
    public static let handMaxSpeed = 300.0
    /// Command-space lower limit for x and y, in millimetres.
    public static let lowerLimit = -200.0
    /// Command-space upper limit for x and y, in millimetres.
    public static let upperLimit = 250.0
    /// Step budget of one evaluation episode (10 s at 20 Hz).
    public static let maxEpisodeSteps = 200
}
