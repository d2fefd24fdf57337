public import Enpire
public import EnpireReset

/// Verifies a Push-T reset from the simulator's ground truth: block origin pose and agent position against
/// gym-pusht's seeded start state for `context.seed`, within a ``PushTResetTolerance``.
///
/// The agent is compared with ``PushTRobotReset/targetState(seed:)``, which moves it out of the T for the
/// seeds where gym-pusht draws it overlapping the block; the move is reported as `agent_adjustment_px`.
public struct PushTGroundTruthVerifier: ResetVerifier {
    private let world: PushTWorld
    /// The tolerance.
    public let tolerance: PushTResetTolerance

    /// Creates a verifier over a world.
    public init(world: PushTWorld, tolerance: PushTResetTolerance = PushTResetTolerance()) {
        self.world = world
        self.tolerance = tolerance
    }

    /// `"pusht.ground-truth(<px>px,<rad>rad,<px>px)"`.
    public var identity: String {
        "pusht.ground-truth(\(tolerance.blockPositionPixels)px,\(tolerance.blockAngleRadians)rad,"
            + "\(tolerance.agentPositionPixels)px)"
    }

    /// Compares the world with the seeded start state.
    public func verify(_ context: ResetContext) async throws -> ResetVerification {
        let (start, adjustment) = PushTRobotReset.targetState(seed: context.seed)
        let state = await world.state
        let block = PushTResetTolerance.blockErrors(state, from: start)
        let agent = PushTResetTolerance.agentError(state, from: start)
        let errors = ["block_px": block.pixels, "block_rad": block.radians, "agent_px": agent,
                      "agent_adjustment_px": adjustment]
        var problems: [String] = []
        if block.pixels > tolerance.blockPositionPixels {
            problems.append("block \(rounded(block.pixels)) px from its start position (tolerance "
                            + "\(tolerance.blockPositionPixels) px)")
        }
        if block.radians > tolerance.blockAngleRadians {
            problems.append("block angle off by \(rounded(block.radians)) rad (tolerance \(tolerance.blockAngleRadians) rad)")
        }
        if agent > tolerance.agentPositionPixels {
            problems.append("agent \(rounded(agent)) px from its start position (tolerance "
                            + "\(tolerance.agentPositionPixels) px)")
        }
        return problems.isEmpty ? .pass(errors: errors) : .fail(problems.joined(separator: ", "), errors: errors)
    }

    private func rounded(_ value: Double) -> Double { (value * 100).rounded() / 100 }
}
