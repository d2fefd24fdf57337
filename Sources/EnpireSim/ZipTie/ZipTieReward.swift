public import Enpire

/// Ground-truth zip-tie reward: votes `cut` (the tie was split), `location` (the blade line passed within
/// 2 mm of the mark, by construction of the cut rule) and `tension` (the left gripper pulled the free end
/// with at least 1 N when the jaws closed), fused by AND.
public struct ZipTieReward: RewardFunction {
    private let world: ZipTieWorld

    /// Creates the reward over a world.
    public init(world: ZipTieWorld) {
        self.world = world
    }

    /// Identity including the thresholds.
    public var identity: String {
        "ziptie.ground-truth cut@mark<=\(ZipTieGeometry.cutTolerance) tension>=\(ZipTieGeometry.minimumTension)N"
    }

    /// Success iff the tie was cut at the mark while tensioned.
    public func evaluate(_ context: EpisodeContext) async throws -> Verdict {
        ZipTieReward.verdict(state: await world.state)
    }

    /// The verdict for a scene (shared with the headless evaluation).
    public static func verdict(state: ZipTieState) -> Verdict {
        let g = ZipTieGeometry.self
        let location = state.cutOffset.map { $0 <= g.cutTolerance } ?? false
        let votes = [
            Vote(source: "cut", success: state.cut, score: state.cut ? 1 : 0),
            Vote(source: "location", success: location,
                 score: state.cutOffset.map { max(0, 1 - $0 / g.cutTolerance) } ?? 0),
            Vote(source: "tension", success: state.cutWhileTensioned, score: min(state.stretch, 1)),
        ]
        let success = votes.allSatisfy(\.success)
        return Verdict(success: success, score: success ? 1 : 0.5 * min(state.stretch, 1),
                       status: success ? .confirmedPass : .likelyFail, votes: votes,
                       detail: "cut \(state.cut), offset \(state.cutOffset.map { "\($0)" } ?? "-") mm, "
                           + "missed closures \(state.missedClosures)")
    }
}
