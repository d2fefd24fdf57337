import Enpire
public import EnpireSim
import Foundation

/// The block pose a Push-T policy observed (world pixels and radians), from the camera or, privileged, from the
/// simulator.
public struct PushTObservedBlock: Sendable, Equatable, Codable {
    /// Body origin x.
    public var x: Double
    /// Body origin y.
    public var y: Double
    /// Body angle (radians).
    public var angle: Double

    /// Creates a pose.
    public init(x: Double, y: Double, angle: Double) {
        self.x = x
        self.y = y
        self.angle = angle
    }

    /// A scene with this block and the pusher at `agent`, for the scripted executor.
    public func scene(agent: SIMD2<Double>) -> PushTState {
        PushTState(agentX: agent.x, agentY: agent.y, blockX: x, blockY: y, blockAngle: angle)
    }

    /// The exact pose in the privileged `PushTFeatures.state` feature (what a `state`-mode policy reads instead of
    /// the camera).
    init(privilegedStateOf observation: Observation) throws(PushTObservationError) {
        guard let state = observation.features[PushTFeatures.state], state.count == 5 else {
            throw .missing("the privileged feature \"\(PushTFeatures.state)\"")
        }
        self.init(x: state[2], y: state[3], angle: state[4])
    }
}

/// The pusher's own state (proprioception, never privileged) as a Push-T policy reads it from the first arm.
struct PushTPusher {
    /// Position (world pixels).
    var position: SIMD2<Double>
    /// Velocity as the arm reports it; zero when it reports none.
    var velocity: SIMD2<Double>

    init(_ observation: Observation) throws(PushTObservationError) {
        guard let arm = observation.arms.first, arm.position.count >= 2 else {
            throw .missing("the pusher's state (2 position values)")
        }
        position = SIMD2(arm.position[0], arm.position[1])
        velocity = arm.velocity.count >= 2 ? SIMD2(arm.velocity[0], arm.velocity[1]) : .zero
    }
}

/// The input of the learned Push-T primitive selector: 12 numbers built from the observed block pose and the
/// pusher's own position and velocity (proprioception).
///
/// Block pose relative to the goal (offset and the angle error as cosine and sine), block and pusher positions on
/// the table, the pusher in the block's frame, and the pusher's velocity; every entry is scaled to about unit
/// range. Nothing here needs the simulator.
public enum PushTPrimitiveFeatures {
    /// Number of features.
    public static let count = 12

    /// The feature vector.
    public static func vector(block: PushTObservedBlock, agent: SIMD2<Double>, velocity: SIMD2<Double>) -> [Float] {
        let goal = PushTGeometry.goalPose
        let error = remainder(block.angle - goal.angle, 2 * Double.pi)
        let c = cos(block.angle), s = sin(block.angle)
        let rx = agent.x - block.x, ry = agent.y - block.y
        let values: [Double] = [
            (block.x - goal.x) / 100, (block.y - goal.y) / 100, cos(error), sin(error),
            block.x / 256 - 1, block.y / 256 - 1, agent.x / 256 - 1, agent.y / 256 - 1,
            (c * rx + s * ry) / 100, (-s * rx + c * ry) / 100,
            velocity.x / 100, velocity.y / 100,
        ]
        return values.map { Float($0.isFinite ? $0 : 0) }
    }
}
