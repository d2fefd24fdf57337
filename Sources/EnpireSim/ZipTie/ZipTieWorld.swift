public import Enpire

/// The zip-tie scene shared by both arms, the reward and the reset.
///
/// Both arms act in one control period: the left arm's command is stored and the cutter's command steps the
/// simulation with both (stations send in arm order, left then right). If one arm sends twice before the other,
/// the period is stepped first with the other arm holding its last target, so no command is lost.
public actor ZipTieWorld: FeatureSource {
    /// Which arm a command comes from.
    public enum Side: Sendable {
        /// The arm that grips and tensions the free end.
        case left
        /// The arm carrying the cutter.
        case right
    }
    private let simulation = ZipTieSimulation()
    private var left: (target: [Double], gripper: Double)?
    private var right: (target: [Double], jaws: Double)?
    private var lastLeft = (target: ZipTieGeometry.leftStart, gripper: 1.0)
    private var lastRight = (target: ZipTieGeometry.rightStart, jaws: 1.0)
    /// The seed of the current tie.
    public private(set) var seed: UInt64 = 0

    /// Departures from the clean simulator each seeded tie draws its own from (``ZipTieReality``).
    public let reality: TaskReality

    /// Creates a world with the tie of seed 0, living in `reality`.
    public init(reality: TaskReality = ZipTieReality.clean) {
        self.reality = reality
    }

    /// Replaces the tie with a fresh one for `seed` and puts both arms at their start poses; under a reality the
    /// seed also draws the tie's departures.
    public func reset(seed: UInt64) {
        self.seed = seed
        simulation.perturbation = ZipTieReality.perturbation(reality, seed: seed)
        simulation.reset(seed: seed)
        left = nil
        right = nil
        lastLeft = (ZipTieGeometry.leftStart, 1)
        lastRight = (ZipTieGeometry.rightStart, 1)
    }

    /// Submits one arm's command for the current period; validated at once so a bad command moves nothing.
    public func submit(_ side: Side, target: [Double], gripper: Double) throws {
        let expected = side == .left ? 2 : 3
        let name = side == .left ? "zip-tie left arm" : "zip-tie cutter"
        guard target.count == expected else {
            throw SimulatedTaskError.badCommandLength(task: name, expected: expected, got: target.count)
        }
        guard (target + [gripper]).allSatisfy(\.isFinite) else {
            throw SimulatedTaskError.nonFiniteCommand(task: name, values: target + [gripper])
        }
        switch side {
        case .left:
            if left != nil { try flush() }
            left = (target, gripper)
        case .right:
            if right != nil { try flush() }
            right = (target, gripper)
        }
        if left != nil, right != nil { try flush() }
    }

    private func flush() throws {
        let l = left ?? lastLeft, r = right.map { (target: $0.target, jaws: $0.jaws) } ?? lastRight
        try simulation.step(left: l.target, leftGripper: l.gripper, right: r.target, jaws: r.jaws)
        lastLeft = l
        lastRight = r
        left = nil
        right = nil
    }

    /// The current scene (ground truth).
    public var state: ZipTieState { simulation.state }

    /// The scene as cameras draw it.
    public var scene: ZipTieScene { simulation.scene }

    /// Anchor pose, free end, mark, tie stretch and cut status (see ``ZipTieFeatures``), as the sensors report
    /// them (``ZipTieSimulation/observation()``).
    public func features() -> [String: [Double]] {
        let s = simulation.observation()
        return [
            ZipTieFeatures.anchor: s.anchor,
            ZipTieFeatures.freeEnd: s.freeEnd,
            ZipTieFeatures.mark: s.mark + [s.markDirection],
            ZipTieFeatures.stretch: [s.stretch, s.tension],
            ZipTieFeatures.cut: [s.cut ? 1 : 0, s.cutOffset ?? -1],
            ZipTieFeatures.grasped: [s.grasped ? 1 : 0],
        ]
    }
}

/// Feature names a zip-tie station publishes.
public enum ZipTieFeatures {
    /// Anchor [x mm, y mm, direction rad].
    public static let anchor = "ziptie.anchor"
    /// Free end [x mm, y mm].
    public static let freeEnd = "ziptie.free_end"
    /// Cut mark [x mm, y mm, tie direction rad].
    public static let mark = "ziptie.mark"
    /// [free-end distance from the anchor over the tie length, pull on the free end in newtons].
    public static let stretch = "ziptie.stretch"
    /// [1 if the left gripper holds the free end else 0] (a gripper contact sensor).
    public static let grasped = "ziptie.grasped"
    /// [1 if cut else 0, distance from the mark to the blade line at the cut in mm or −1].
    public static let cut = "ziptie.cut"
}
