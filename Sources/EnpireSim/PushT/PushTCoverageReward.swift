public import Enpire

/// Ground-truth Push-T reward from the simulator: gym-pusht's coverage, reward and success rule.
public struct PushTCoverageReward: RewardFunction {
    private let world: PushTWorld

    /// Creates the reward over a world.
    public init(world: PushTWorld) {
        self.world = world
    }

    /// `"pusht.coverage>0.95"`.
    public var identity: String { "pusht.ground-truth-coverage>0.95" }

    /// Success iff coverage > 0.95; score is gym-pusht's clipped reward.
    public func evaluate(_ context: EpisodeContext) async throws -> Verdict {
        let coverage = await world.coverage
        let success = coverage > PushTGeometry.successThreshold
        return Verdict(success: success, score: PushTCoverage.reward(coverage: coverage),
                       status: success ? .confirmedPass : .likelyFail,
                       votes: [Vote(source: "simulator", success: success, score: coverage)])
    }
}

/// A reset that places gym-pusht's seeded start state directly (what gym-pusht's `reset` does).
///
/// Verification is exact by construction. A robot-driven reset is what a hardware station needs; this one is
/// for simulation throughput and for checking that learned policies are compared on identical starts.
public struct PushTTeleportReset: ResetRoutine {
    private let world: PushTWorld

    /// Creates the reset over a world.
    public init(world: PushTWorld) {
        self.world = world
    }

    /// `"pusht.teleport.gym-pusht-0.1.8"`.
    public var identity: String { "pusht.teleport.gym-pusht-0.1.8" }

    /// Places the start state drawn from `context.seed`.
    public func reset(_ context: ResetContext) async throws -> ResetOutcome {
        await world.reset(seed: context.seed)
        return ResetOutcome(verified: true, attempts: 1, elapsedSeconds: 0, strategy: "teleport")
    }
}
