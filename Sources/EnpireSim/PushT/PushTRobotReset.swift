public import Enpire
public import EnpireReset

/// The Push-T reset a robot can do on its own: the pusher pushes the T from wherever the episode left it
/// (against a wall, in a corner) to gym-pusht's seeded start pose, walks the agent to its seeded start
/// position without touching the T, and the simulator's ground truth verifies the result.
///
/// It is an ``EscalatingReset``: the default planner setting gets two attempts, then a finer setting
/// (more contacts and push distances, slower pushes, replanning every 8 steps) gets two more, all within a
/// time budget of robot seconds; when none verifies, the outcome is `verified: false` with the reasons and
/// the station pauses itself.
public struct PushTRobotReset: ResetRoutine {
    /// The escalation ladder underneath (its ``EscalatingReset/statistics`` are this reset's statistics).
    public let routine: EscalatingReset

    /// Creates the reset over a world.
    public init(world: PushTWorld, tolerance: PushTResetTolerance = PushTResetTolerance(),
                timeBudgetSeconds: Double = 120, attemptsPerStage: Int = 2) throws {
        let primary = PushTPushToPoseStrategy(world: world, name: "push-to-pose")
        let fine = PushTPushToPoseStrategy(
            world: world, name: "push-to-pose-fine",
            parameters: PushTPlannerParameters(contactsPerEdge: 4, pushDistanceCount: 8, pushSpeed: 5,
                                               approachRadius: 115, clearanceMargin: 8, settleSteps: 3,
                                               replanInterval: 8))
        routine = try EscalatingReset(
            name: "pusht.robot", stages: [.init(primary, attempts: attemptsPerStage), .init(fine, attempts: attemptsPerStage)],
            verifier: PushTGroundTruthVerifier(world: world, tolerance: tolerance), timeBudgetSeconds: timeBudgetSeconds)
    }

    /// The underlying routine's identity.
    public var identity: String { routine.identity }

    /// Statistics over every reset run so far.
    public var statistics: ResetStatistics { routine.statistics }

    /// Resets the scene for `context.seed` with the pusher.
    public func reset(_ context: ResetContext) async throws -> ResetOutcome {
        try await routine.reset(context)
    }

    /// Gym-pusht's start state for `seed` as the scene it produces: the agent where drawn and the block
    /// ORIGIN pose after gym-pusht's legacy placement (which rotates about the centre of gravity) and its
    /// first physics step, read back from a scratch simulation.
    public static func startState(seed: UInt64) -> PushTState {
        let simulation = PushTSimulation()
        simulation.reset(seed: seed)
        return simulation.state
    }
}
