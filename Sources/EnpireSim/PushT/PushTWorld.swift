public import Enpire
import Foundation

/// The Push-T scene shared by a simulated station's arm, cameras, reward and reset: one actor owns the
/// simulation so that every reader sees the same, consistent state.
public actor PushTWorld: FeatureSource {
    private let simulation: PushTSimulation
    /// The seed of the last seeded reset, if any.
    public private(set) var seed: UInt64?

    /// Creates a world in gym-pusht's initial layout; with a `reality` that is not clean, every seeded reset draws
    /// that episode's departures from gym-pusht (physics, commands, camera) from it.
    public init(damping: Double = 0, reality: PushTReality? = nil) {
        simulation = PushTSimulation(damping: damping)
        simulation.reality = reality.flatMap { $0.isClean ? nil : $0 }
    }

    /// The departures from gym-pusht in effect this episode (nil: none).
    public var perturbation: PushTPerturbation? { simulation.perturbation }

    /// The scene and how the camera departs from its calibration this episode: what a perturbed camera renders.
    public var cameraScene: (state: PushTState, change: PushTCameraChange) {
        (simulation.state, simulation.perturbation?.camera ?? PushTCameraChange())
    }

    /// Resets to gym-pusht's start state for `seed`.
    public func reset(seed: UInt64) {
        self.seed = seed
        simulation.reset(seed: seed)
    }

    /// Resets with gym-pusht's `reset_to_state` meaning.
    public func reset(toState state: [Double]) throws {
        seed = nil
        try simulation.reset(toState: state)
    }

    /// Places the scene exactly at `state` (block origin as given).
    public func place(_ state: PushTState) {
        simulation.place(state)
    }

    /// Advances one control step toward `target`.
    public func step(target: (x: Double, y: Double)) throws {
        try simulation.step(action: target)
    }

    /// The current scene.
    public var state: PushTState { simulation.state }

    /// The agent's velocity.
    public var agentVelocity: (x: Double, y: Double) { simulation.agentVelocity }

    /// Coverage of the goal by the block.
    public var coverage: Double { simulation.coverage }

    /// The T's 8 keypoints for a state, as gym-pusht's `get_keypoints` computes them.
    public static func keypoints(of state: PushTState) -> [Double] {
        let c = cos(state.blockAngle), s = sin(state.blockAngle)
        var out: [Double] = []
        out.reserveCapacity(16)
        for v in PushTGeometry.barVertices + PushTGeometry.stemVertices {
            out.append(c * v.x - s * v.y + state.blockX)
            out.append(s * v.x + c * v.y + state.blockY)
        }
        return out
    }

    /// `"pusht.state"` (gym-pusht's state observation: agent x, y, block x, y, angle mod 2π),
    /// `"pusht.coverage"` and `"pusht.agent_velocity"`.
    public func features() -> [String: [Double]] {
        let state = simulation.state
        let velocity = simulation.agentVelocity
        return [
            PushTFeatures.state: state.observationVector,
            PushTFeatures.coverage: [PushTCoverage.coverage(of: state)],
            PushTFeatures.agentVelocity: [velocity.x, velocity.y],
            PushTFeatures.keypoints: PushTWorld.keypoints(of: state),
        ]
    }
}

/// Feature names a Push-T station publishes.
public enum PushTFeatures {
    /// gym-pusht's 5-number state observation.
    public static let state = "pusht.state"
    /// Ground-truth coverage (simulation only).
    public static let coverage = "pusht.coverage"
    /// Agent velocity.
    public static let agentVelocity = "pusht.agent_velocity"
    /// gym-pusht's `environment_state_agent_pos` keypoints: the T's 8 hull vertices in world coordinates
    /// (x0, y0, ..., x7, y7; bar then stem), continuous in the block's angle, which suits learned policies.
    public static let keypoints = "pusht.keypoints"
}
