import Foundation

/// How close a robot-driven Push-T reset must bring the scene to the seeded start state.
public struct PushTResetTolerance: Sendable, Codable, Equatable {
    /// Largest distance between the block origin and its start position, in pixels.
    public var blockPositionPixels: Double
    /// Largest block angle error, in radians.
    public var blockAngleRadians: Double
    /// Largest distance between the agent and its start position, in pixels.
    public var agentPositionPixels: Double

    /// Creates a tolerance; the defaults are 10 px, 0.1 rad and 10 px.
    public init(blockPositionPixels: Double = 10, blockAngleRadians: Double = 0.1, agentPositionPixels: Double = 10) {
        self.blockPositionPixels = blockPositionPixels
        self.blockAngleRadians = blockAngleRadians
        self.agentPositionPixels = agentPositionPixels
    }

    /// Block position and angle errors of `state` against `start`.
    public static func blockErrors(_ state: PushTState, from start: PushTState) -> (pixels: Double, radians: Double) {
        let dx = state.blockX - start.blockX, dy = state.blockY - start.blockY
        return ((dx * dx + dy * dy).squareRoot(), abs(remainder(state.blockAngle - start.blockAngle, 2 * Double.pi)))
    }

    /// Agent position error of `state` against `start`, in pixels.
    public static func agentError(_ state: PushTState, from start: PushTState) -> Double {
        let dx = state.agentX - start.agentX, dy = state.agentY - start.agentY
        return (dx * dx + dy * dy).squareRoot()
    }
}
