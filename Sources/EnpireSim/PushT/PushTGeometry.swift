/// Constants of gym-pusht 0.1.8's Push-T task, shared by the physics, the coverage reward and the renderer.
///
/// Coordinates are gym-pusht's pixels: x to the right, y down, world 512 x 512. Every value is cited in
/// Docs/PushT.md with its origin in gym-pusht's source.
public enum PushTGeometry {
    /// World width and height in pixels.
    public static let worldSize: Double = 512
    /// Body-local vertices of the T's bar (as `cpPolyShapeNew` stores the hull: gym-pusht `add_tee`, scale 30, length 4).
    public static let barVertices: [(x: Double, y: Double)] = [(-60, 0), (60, 0), (60, 30), (-60, 30)]
    /// Body-local vertices of the T's stem.
    public static let stemVertices: [(x: Double, y: Double)] = [(-15, 30), (15, 30), (15, 120), (-15, 120)]
    /// Centre of gravity of the block in body coordinates (the unweighted mean of the two box centroids).
    public static let blockCenterOfGravity: (x: Double, y: Double) = (0, 45)
    /// Block mass.
    public static let blockMass: Double = 1
    /// Block moment of inertia (gym-pusht adds the bar's moment twice: a kept upstream bug).
    public static let blockMoment: Double = 3000
    /// Radius of the agent disc.
    public static let agentRadius: Double = 15
    /// Goal pose of the T body origin: x, y, angle (radians).
    public static let goalPose: (x: Double, y: Double, angle: Double) = (256, 256, Double.pi / 4)
    /// Area of the T (bar 3600 + stem 2700), px^2.
    public static let blockArea: Double = 6300
    /// Wall segments (endpoints) of radius ``wallRadius``, in gym-pusht's add order: left, top, right, bottom.
    public static let walls: [((x: Double, y: Double), (x: Double, y: Double))] = [
        ((5, 506), (5, 5)), ((5, 5), (506, 5)), ((506, 5), (506, 506)), ((5, 506), (506, 506)),
    ]
    /// Wall segment radius.
    public static let wallRadius: Double = 2
    /// Coverage above which an episode is a success (strictly greater).
    public static let successThreshold: Double = 0.95
    /// Control rate in hertz (gym-pusht `control_hz` = `render_fps`).
    public static let controlRateHz: Double = 10
    /// Physics step in seconds.
    public static let physicsStepSeconds: Double = 0.01
    /// Physics steps per control step.
    public static let substepsPerControlStep = 10
    /// PD position gain on the agent.
    public static let positionGain: Double = 100
    /// PD velocity gain on the agent.
    public static let velocityGain: Double = 20
    /// Episode limit in control steps (gym `TimeLimit`).
    public static let maxEpisodeSteps = 300
    /// Initial agent position before a reset places it.
    public static let initialAgentPosition: (x: Double, y: Double) = (256, 400)
    /// Initial block origin before a reset places it.
    public static let initialBlockPosition: (x: Double, y: Double) = (256, 300)
}

/// Colours of gym-pusht's renderer (RGB).
public enum PushTPalette {
    /// Background.
    public static let background: (UInt8, UInt8, UInt8) = (255, 255, 255)
    /// Goal T fill (LightGreen).
    public static let goal: (UInt8, UInt8, UInt8) = (144, 238, 144)
    /// Block fill (LightSlateGray lightened by 1.2).
    public static let blockFill: (UInt8, UInt8, UInt8) = (143, 163, 184)
    /// Block outline (LightSlateGray).
    public static let blockOutline: (UInt8, UInt8, UInt8) = (119, 136, 153)
    /// Agent ring (RoyalBlue).
    public static let agentRing: (UInt8, UInt8, UInt8) = (65, 105, 225)
    /// Agent centre (RoyalBlue lightened).
    public static let agentCenter: (UInt8, UInt8, UInt8) = (78, 126, 255)
    /// Walls (LightGray).
    public static let wall: (UInt8, UInt8, UInt8) = (211, 211, 211)
    /// Contact markers.
    public static let contact: (UInt8, UInt8, UInt8) = (231, 76, 60)
}
