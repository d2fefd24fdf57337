public import Enpire
import Foundation

/// Ground-truth pin-insertion reward: votes `depth` (tip ≥ 20 mm inside), `alignment` (tip within the 0.5 mm
/// clearance of the hole axis and angle within 0.05 rad) and `force` (|F| ≤ 3 N for the last 5 steps), fused
/// by AND.
public struct PinInsertionReward: RewardFunction {
    private let world: PinInsertionWorld

    /// Creates the reward over a world.
    public init(world: PinInsertionWorld) {
        self.world = world
    }

    /// Identity including every threshold, so a changed rule changes the frozen hash.
    public var identity: String {
        let g = PinInsertionGeometry.self
        return "pin.ground-truth depth>=\(g.successDepth) lateral<=\(g.alignmentTolerance) "
            + "angle<=\(g.angleTolerance) force<=\(g.forceBound)x\(g.settledSteps)"
    }

    /// Success iff all three votes pass; the score is the depth fraction of the success depth.
    public func evaluate(_ context: EpisodeContext) async throws -> Verdict {
        let state = await world.state
        let streak = await world.lowForceStreak
        return PinInsertionReward.verdict(state: state, lowForceStreak: streak)
    }

    /// The verdict for a scene and its low-force streak (shared with the headless evaluation).
    public static func verdict(state: PinInsertionState, lowForceStreak: Int) -> Verdict {
        let g = PinInsertionGeometry.self
        let depthScore = min(max(state.depth / g.successDepth, 0), 1)
        let depth = state.depth >= g.successDepth
        let aligned = abs(state.lateralOffset) <= g.alignmentTolerance && abs(state.angleError) <= g.angleTolerance
        let settled = lowForceStreak >= g.settledSteps
        let votes = [
            Vote(source: "depth", success: depth, score: depthScore),
            Vote(source: "alignment", success: aligned,
                 score: max(0, 1 - abs(state.lateralOffset) / max(g.alignmentTolerance, 1e-9))),
            Vote(source: "force", success: settled, score: min(Double(lowForceStreak) / Double(g.settledSteps), 1)),
        ]
        let success = depth && aligned && settled
        var failed = votes.filter { !$0.success }.map(\.source)
        if !failed.isEmpty { failed.insert("failed:", at: 0) }
        return Verdict(success: success, score: success ? 1 : depthScore * 0.99,
                       status: success ? .confirmedPass : .likelyFail, votes: votes,
                       detail: String(format: "depth %.2f mm, lateral %.3f mm, angle %.4f rad, |F| %.2f N %@",
                                      state.depth, state.lateralOffset, state.angleError, state.forceMagnitude,
                                      failed.joined(separator: " ")))
    }
}
