public import Enpire
import Foundation

/// Puts a Push-T scene back with the pusher itself, as an unattended station must: from wherever the last
/// episode left the T (jammed against a wall included), push it to the start pose the seed asks for, bring the
/// agent to its start position without disturbing the block, then verify both within tolerance.
///
/// Strategies escalate: the default push planner first, then a planner with more contact points, a wider
/// approach circle and finer pushes. When both fail within the robot-time budget the outcome is unverified
/// with the reason, so the ``Station`` pauses itself instead of starting from a bad scene.
public struct PushTRobotReset: ResetRoutine {
    /// Tolerances and budget.
    public struct Settings: Sendable, Codable, Equatable {
        /// Largest allowed block position error (centre of gravity), pixels.
        public var positionTolerance: Double = 10
        /// Largest allowed block angle error, radians.
        public var angleTolerance: Double = 0.1
        /// Largest allowed agent position error, pixels (see ``PushTRobotReset`` about blocked agent starts).
        public var agentTolerance: Double = 10
        /// Robot time allowed for one reset, seconds (all strategies together).
        public var budgetSeconds: Double = 90

        /// Defaults: 10 px, 0.1 rad, 10 px, 90 s.
        public init() {}
    }

    private let world: PushTWorld
    /// Tolerances and budget.
    public var settings: Settings

    /// Creates the routine over a world.
    public init(world: PushTWorld, settings: Settings = Settings()) {
        self.world = world
        self.settings = settings
    }

    /// Identifier including the tolerances (part of the frozen evaluation hash).
    public var identity: String {
        "pusht.robot-reset(pos<=\(settings.positionTolerance)px,angle<=\(settings.angleTolerance)rad,agent<=\(settings.agentTolerance)px)"
    }

    /// The scene gym-pusht would start `seed` from: block origin pose after its legacy placement, agent position.
    public static func startScene(seed: UInt64) -> PushTState {
        let scratch = PushTSimulation()
        scratch.reset(seed: seed)
        return scratch.state
    }

    static let strategies: [(name: String, parameters: PushTPlannerParameters)] = [
        ("push-planner", PushTPlannerParameters()),
        ("push-planner-wide", PushTPlannerParameters(contactsPerEdge: 4, pushDistanceCount: 6, pushDistanceMin: 0.5,
                                                     pushDistanceMax: 40, approachRadius: 130, clearanceMargin: 8)),
    ]

    /// Resets to the start scene of `context.seed`.
    public func reset(_ context: ResetContext) async throws -> ResetOutcome {
        let target = Self.startScene(seed: context.seed)
        let start = context.clock.now()
        let period = 1 / PushTGeometry.controlRateHz
        var steps = 0
        let maxSteps = Int(settings.budgetSeconds / period)
        var attempts = 0
        var reasons: [String] = []
        func advance(_ goal: SIMD2<Double>) async throws {
            try await world.step(target: (goal.x, goal.y))
            steps += 1
            try await context.clock.sleep(untilSeconds: start + Double(steps) * period)
        }

        for strategy in Self.strategies where steps < maxSteps {
            attempts += 1
            let planner = PushTPushPlanner(goal: (target.blockX, target.blockY, target.blockAngle),
                                           parameters: strategy.parameters, successCoverage: 0.97)
            // 1. The block, by pushing.
            var plansWithoutProgress = 0
            while steps < maxSteps, !blockWithinTolerance(await world.state, target) {
                let state = await world.state
                let before = planner.poseCost(state)
                let plan = planner.plan(state: state, agentVelocity: await world.agentVelocity)
                for goal in plan.targets where steps < maxSteps { try await advance(goal) }
                plansWithoutProgress = planner.poseCost(await world.state) < before - 0.5 ? 0 : plansWithoutProgress + 1
                if plansWithoutProgress >= 6 { break }
            }
            guard blockWithinTolerance(await world.state, target) else {
                reasons.append("\(strategy.name): block not within tolerance (\(describeError(await world.state, target)))")
                continue
            }
            // 2. The agent, around the block.
            let state = await world.state
            let path = planner.approachTargets(from: SIMD2(state.agentX, state.agentY),
                                               to: SIMD2(target.agentX, target.agentY), state: state,
                                               pieces: PushTPushPlanner.worldPieces(state))
            for goal in path.dropFirst() + [SIMD2(target.agentX, target.agentY)] where steps < maxSteps {
                try await advance(goal)
            }
            for _ in 0..<5 where steps < maxSteps { try await advance(SIMD2(target.agentX, target.agentY)) }
            let final = await world.state
            let agentError = ((final.agentX - target.agentX) * (final.agentX - target.agentX)
                + (final.agentY - target.agentY) * (final.agentY - target.agentY)).squareRoot()
            if blockWithinTolerance(final, target), agentError <= settings.agentTolerance {
                return ResetOutcome(verified: true, attempts: attempts, elapsedSeconds: context.clock.now() - start,
                                    reason: reasons.isEmpty ? nil : reasons.joined(separator: "; "),
                                    strategy: strategy.name)
            }
            reasons.append("\(strategy.name): agent \(String(format: "%.1f", agentError)) px from its start, block \(describeError(final, target))")
        }
        if steps >= maxSteps { reasons.append("robot-time budget of \(settings.budgetSeconds) s spent") }
        return ResetOutcome(verified: false, attempts: attempts, elapsedSeconds: context.clock.now() - start,
                            reason: reasons.joined(separator: "; "), strategy: "escalated")
    }

    /// Whether the block's centre of gravity and angle are within tolerance of the target's.
    func blockWithinTolerance(_ state: PushTState, _ target: PushTState) -> Bool {
        let (position, angle) = blockError(state, target)
        return position <= settings.positionTolerance && angle <= settings.angleTolerance
    }

    func blockError(_ state: PushTState, _ target: PushTState) -> (position: Double, angle: Double) {
        let a = PushTPushPlanner.centerOfGravity(x: state.blockX, y: state.blockY, angle: state.blockAngle)
        let b = PushTPushPlanner.centerOfGravity(x: target.blockX, y: target.blockY, angle: target.blockAngle)
        let distance = ((a.0 - b.0) * (a.0 - b.0) + (a.1 - b.1) * (a.1 - b.1)).squareRoot()
        return (distance, abs(remainder(state.blockAngle - target.blockAngle, 2 * Double.pi)))
    }

    func describeError(_ state: PushTState, _ target: PushTState) -> String {
        let (position, angle) = blockError(state, target)
        return String(format: "%.1f px, %.3f rad off", position, angle)
    }
}
