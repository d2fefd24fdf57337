public import Enpire

/// A person teleoperating a follower arm with a leader arm (an SO-101 or Koch leader: the same servos, read through
/// the same driver), as an `InterventionSource` for `Station.runEpisode`.
///
/// The leader's joint angles become the follower's position targets (the two arms share joint order and
/// calibration convention: zero at the middle of each range), and the station passes them through the follower's
/// safety envelope like any command. Two ways of engaging:
///
/// - ``Engagement/mirrorFollower`` (default): while the policy drives, the leader is powered and servoed to where
///   the follower is, so it moves with the policy under the person's hand. When the person pushes it more than
///   ``threshold`` radians away from the follower on any joint, the intervention starts: the leader's torque goes
///   off (it moves freely) and the follower follows it. The threshold must exceed the leader's tracking lag.
/// - ``Engagement/restPose``: the leader stays unpowered; the intervention starts when it moves more than
///   ``threshold`` from where it rested when the policy last took over (the follower then walks to the leader's
///   pose, step-limited by the envelope).
///
/// In mirror mode a new intervention is armed only once the leader has come back within ``threshold`` of the
/// follower (after a hand-back, or at the start of an episode), so the leader walking back to the follower does not
/// start one. The intervention ends when the person lets go: the leader held still (every joint within ``stillTolerance``
/// of the previous step) for ``releaseSteps`` steps. The gripper follows the leader's gripper opening. On a station
/// with several arms only the follower at ``followerIndex`` is teleoperated; the others keep the policy's
/// commands for those steps.
public struct LeaderArmTeleoperator: InterventionSource {
    /// How the person engages the intervention.
    public enum Engagement: Sendable, Equatable {
        /// The leader mirrors the follower while the policy drives; pushing it away takes over.
        case mirrorFollower
        /// The leader rests unpowered; moving it away from its rest pose takes over.
        case restPose
    }

    /// The leader arm (connected).
    public let leader: ServoArm
    /// The follower's index in the station's arms.
    public let followerIndex: Int
    /// How the intervention is engaged.
    public let engagement: Engagement
    /// Radians on any joint that start an intervention.
    public let threshold: Double
    /// Largest per-step motion, in radians, that counts as holding still.
    public let stillTolerance: Double
    /// Steps held still that end the intervention.
    public let releaseSteps: Int
    private var holding = false
    private var armed = false
    private var rest: [Double]?
    private var previous: [Double]?
    private var stillSteps = 0

    /// Creates a teleoperator; throws ``TeleoperationError/invalidSetting(_:)`` for a non-positive threshold,
    /// tolerance or step count.
    public init(leader: ServoArm, followerIndex: Int = 0, engagement: Engagement = .mirrorFollower,
                threshold: Double = 0.2, stillTolerance: Double = 0.01, releaseSteps: Int = 15) throws {
        guard threshold.isFinite, threshold > 0 else {
            throw TeleoperationError.invalidSetting("threshold must be a positive number of radians, got \(threshold)")
        }
        guard stillTolerance.isFinite, stillTolerance > 0 else {
            throw TeleoperationError.invalidSetting("stillTolerance must be positive, got \(stillTolerance)")
        }
        guard releaseSteps > 0, followerIndex >= 0 else {
            throw TeleoperationError.invalidSetting(
                "releaseSteps (\(releaseSteps)) must be positive and followerIndex (\(followerIndex)) not negative")
        }
        self.leader = leader
        self.followerIndex = followerIndex
        self.engagement = engagement
        self.threshold = threshold
        self.stillTolerance = stillTolerance
        self.releaseSteps = releaseSteps
    }

    /// Whether the person holds the intervention.
    public var isHolding: Bool { holding }

    /// Hands control to the policy: powers the leader (mirroring) or records its rest pose.
    public mutating func beginEpisode() async throws {
        holding = false
        armed = engagement == .restPose
        previous = nil
        stillSteps = 0
        switch engagement {
        case .mirrorFollower:
            try await leader.setTorque(true)
            rest = nil
        case .restPose:
            rest = try await leader.observe().position
        }
    }

    /// The leader's pose as the follower's command while the person holds, else nil.
    public mutating func commands(for observation: Observation, policyRequested: [ArmCommand]) async throws
        -> [ArmCommand]? {
        guard observation.arms.indices.contains(followerIndex), policyRequested.indices.contains(followerIndex) else {
            throw TeleoperationError.invalidSetting(
                "followerIndex \(followerIndex) is not one of the station's \(observation.arms.count) arms")
        }
        let follower = observation.arms[followerIndex]
        let lead = try await leader.observe()
        guard lead.position.count == follower.position.count else {
            throw TeleoperationError.mismatchedArms(leader: lead.position.count, follower: follower.position.count)
        }
        if !holding {
            let anchor = engagement == .mirrorFollower ? follower.position : (rest ?? lead.position)
            if rest == nil, engagement == .restPose { rest = lead.position }
            let deviation = Self.largestDifference(lead.position, anchor)
            if deviation <= threshold { armed = true }
            guard armed, deviation > threshold else {
                if engagement == .mirrorFollower {
                    _ = try await leader.send(.moveTo(follower.position, gripper: follower.gripper))
                }
                return nil
            }
            holding = true
            previous = nil
            stillSteps = 0
            if engagement == .mirrorFollower { try await leader.setTorque(false) }
        }
        if let previous, Self.largestDifference(lead.position, previous) <= stillTolerance {
            stillSteps += 1
        } else {
            stillSteps = 0
        }
        previous = lead.position
        if stillSteps >= releaseSteps {
            holding = false
            armed = engagement == .restPose
            rest = lead.position
            if engagement == .mirrorFollower { try await leader.setTorque(true) }
            return nil
        }
        var commands = policyRequested
        commands[followerIndex] = .moveTo(lead.position, gripper: lead.gripper)
        return commands
    }

    static func largestDifference(_ a: [Double], _ b: [Double]) -> Double {
        zip(a, b).map { abs($0 - $1) }.max() ?? 0
    }
}

/// Errors of teleoperators.
public enum TeleoperationError: Error, Equatable, CustomStringConvertible {
    /// A setting was out of range.
    case invalidSetting(String)
    /// The leader and follower have different joint counts.
    case mismatchedArms(leader: Int, follower: Int)
    /// The keyboard's terminal could not be configured.
    case terminal(String)

    /// A message a user can act on.
    public var description: String {
        switch self {
        case .invalidSetting(let message): return "teleoperation: \(message)"
        case .mismatchedArms(let leader, let follower):
            return "the leader arm has \(leader) joints and the follower \(follower): pair a leader with a follower of "
                + "the same kind (an SO-101 leader with an SO-101 follower, a Koch leader with a Koch follower)"
        case .terminal(let message):
            return "keyboard teleoperation: \(message); run it in a terminal, or pass a pipe without raw mode"
        }
    }
}
