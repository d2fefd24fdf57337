public import Enpire
public import EnpireReset
import Foundation

/// The Push-T reset a robot can do on its own: the pusher pushes the T from wherever the episode left it
/// (against a wall, in a corner) to gym-pusht's seeded start pose, walks the agent to its seeded start
/// position without touching the T, and the simulator's ground truth verifies the result.
///
/// It is an ``EscalatingReset``: the default planner setting gets two attempts, then a finer setting
/// (more contacts and push distances, slower pushes, replanning every 8 steps) gets two more, all within a
/// time budget of robot seconds (default 180 s, 45 s per attempt); when none verifies, the outcome is `verified: false` with the reasons and
/// the station pauses itself.
public struct PushTRobotReset: ResetRoutine {
    /// The escalation ladder underneath (its ``EscalatingReset/statistics`` are this reset's statistics).
    public let routine: EscalatingReset

    /// Creates the reset over a world.
    public init(world: PushTWorld, tolerance: PushTResetTolerance = PushTResetTolerance(),
                timeBudgetSeconds: Double = 180, attemptsPerStage: Int = 2) throws {
        let primary = PushTPushToPoseStrategy(world: world, name: "push-to-pose", attemptSeconds: 45)
        let fine = PushTPushToPoseStrategy(
            world: world, name: "push-to-pose-fine",
            parameters: PushTPlannerParameters(contactsPerEdge: 4, pushDistanceCount: 8, pushSpeed: 5,
                                               approachRadius: 115, clearanceMargin: 8, settleSteps: 3,
                                               replanInterval: 8),
            attemptSeconds: 45, walkClearance: 20)
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

    /// The state the robot resets to for `seed`: ``startState(seed:)``, except that when the drawn agent disc
    /// overlaps the T (gym-pusht draws the two independently, so about 9 % of its starts put the agent inside
    /// the block, which no robot can reproduce), the agent target moves to the nearest position where the disc
    /// clears the T by 1 px. Returns the target and how far the agent target moved (0 for most seeds).
    public static func targetState(seed: UInt64) -> (state: PushTState, agentAdjustmentPixels: Double) {
        var state = startState(seed: seed)
        let pieces = PushTPushPlanner.worldPieces(state)
        let needed = PushTGeometry.agentRadius + 1
        func clearance(_ p: SIMD2<Double>) -> Double {
            pieces.map { PushTPushPlanner.distance(from: p, to: $0) }.min() ?? .infinity
        }
        let drawn = SIMD2(state.agentX, state.agentY)
        guard clearance(drawn) < needed else { return (state, 0) }
        let low = PushTGeometry.agentRadius, high = PushTGeometry.worldSize - PushTGeometry.agentRadius
        // Rings of growing radius: the first free point found is within 0.5 px of the nearest one.
        var radius = 0.5
        while radius < 200 {
            var best: SIMD2<Double>?
            var bestClearance = -Double.infinity
            for k in 0..<144 {
                let angle = Double(k) * 2 * Double.pi / 144
                let p = drawn + radius * SIMD2(cos(angle), sin(angle))
                guard p.x >= low, p.x <= high, p.y >= low, p.y <= high else { continue }
                let c = clearance(p)
                if c >= needed, c > bestClearance { best = p; bestClearance = c }
            }
            if let best {
                state.agentX = best.x
                state.agentY = best.y
                return (state, radius)
            }
            radius += 0.5
        }
        return (state, 0)
    }
}
