public import Enpire

/// The pin-insertion scene shared by a station's arm, reward and reset: one actor owns the simulation so
/// every reader sees the same state.
public actor PinInsertionWorld: FeatureSource {
    private let simulation = PinInsertionSimulation()
    /// The seed whose hole pose the block currently has, if any.
    public private(set) var seed: UInt64?
    private var estimateBias = 0.0

    /// Departures from the clean simulator each seeded hole draws its own from (``PinInsertionReality``).
    public let reality: TaskReality

    /// Creates a world with the hole at its nominal pose and the hand at the start pose, living in `reality`.
    public init(reality: TaskReality = PinInsertionReality.clean) {
        self.reality = reality
    }

    /// Moves the block to the hole pose drawn from `seed` (the pin must be clear of the block); under a reality
    /// the seed also draws the episode's departures.
    public func randomiseHole(seed: UInt64) {
        self.seed = seed
        let pose = PinInsertionSimulation.holePose(seed: seed)
        simulation.perturbation = PinInsertionReality.perturbation(reality, seed: seed)
        estimateBias = PinInsertionSimulation.holeEstimateBias(seed: seed) + (simulation.perturbation?.holePositionError ?? 0)
        simulation.setHole(x: pose.x, angle: pose.angle)
    }

    /// Teleports the hand (and the pin in its grasp) to `pose`; for tests and initial layouts.
    public func placeHand(_ pose: [Double]) {
        simulation.placeHand(pose)
    }

    /// Places the block at an explicit hole pose with an unbiased estimate; for tests.
    public func setHole(x: Double, angle: Double) {
        seed = nil
        estimateBias = 0
        simulation.setHole(x: x, angle: angle)
    }

    /// Advances one control period toward `target` = [x, y, angle].
    public func step(target: [Double]) throws {
        try simulation.step(target: target)
    }

    /// The current scene (ground truth).
    public var state: PinInsertionState { simulation.state }

    /// Consecutive control steps whose contact force stayed at or below the success bound.
    public var lowForceStreak: Int { simulation.lowForceStreak }

    /// The hole pose a tracker would report: ground truth plus the seed's x bias.
    public var estimatedHolePose: [Double] {
        [simulation.holeX + estimateBias, 0, simulation.holeAngle]
    }

    /// ``PinInsertionFeatures/holePose`` (the estimate the policy may use), ``PinInsertionFeatures/force``,
    /// and the ground-truth ``PinInsertionFeatures/pinPose`` and ``PinInsertionFeatures/insertion``.
    public func features() -> [String: [Double]] {
        let state = simulation.state
        return [
            PinInsertionFeatures.holePose: estimatedHolePose,
            PinInsertionFeatures.force: state.force,
            PinInsertionFeatures.pinPose: state.pin,
            PinInsertionFeatures.insertion: [state.depth, state.lateralOffset, state.angleError],
        ]
    }
}

/// Feature names a pin-insertion station publishes.
public enum PinInsertionFeatures {
    /// Estimated hole mouth pose [x mm, y mm, angle rad] (biased by up to 0.4 mm in x per seed).
    public static let holePose = "pin.hole_pose"
    /// Contact force on the pin [fx, fy] in newtons, averaged over the last control period.
    public static let force = "pin.force"
    /// Ground-truth pin centre pose [x mm, y mm, angle rad] (simulation only).
    public static let pinPose = "pin.pin_pose"
    /// Ground-truth [depth mm, lateral offset mm, angle error rad] of the pin tip in the hole frame
    /// (simulation only).
    public static let insertion = "pin.insertion"
}
