public import Enpire
import EnpireReset
import Foundation

/// Puts a Push-T scene back with the pusher itself, as an unattended station must: from wherever the last
/// episode left the T (jammed against a wall included), push it to the start pose the seed asks for, bring the
/// agent to its start position without disturbing the block, then verify both within tolerance.
///
/// Built on `EnpireReset.EscalatingReset`: the default push planner first, then a planner with more contact
/// points, a wider approach circle and finer pushes, each verified against the block and agent tolerances.
/// When both fail within the robot-time budget the outcome is unverified with the reason, so the `Station`
/// pauses itself instead of starting from a bad scene.
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

        /// The routine's identifier for these settings.
        public var identity: String {
            "pusht.robot-reset(pos<=\(positionTolerance)px,angle<=\(angleTolerance)rad,agent<=\(agentTolerance)px)"
        }
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
    public var identity: String { settings.identity }

    /// The scene gym-pusht would start `seed` from: block origin pose after its legacy placement, agent position.
    public static func startScene(seed: UInt64) -> PushTState {
        let scratch = PushTSimulation()
        scratch.reset(seed: seed)
        return scratch.state
    }

    /// The escalation ladder, in order: the default planner, then a wider one.
    static let strategies: [(name: String, parameters: PushTPlannerParameters)] = [
        // No step penalty: near the target a long but precise push must still beat doing nothing.
        ("push-planner", PushTPlannerParameters(stepPenalty: 0)),
        ("push-planner-wide", PushTPlannerParameters(contactsPerEdge: 4, pushDistanceCount: 6, pushDistanceMin: 0.5,
                                                     pushDistanceMax: 40, approachRadius: 130, clearanceMargin: 8,
                                                     stepPenalty: 0)),
    ]

    /// gym-pusht's start states can put the T partly inside a wall (its first physics steps push it out); the
    /// pusher cannot. Such a pose is shifted straight out of the walls (plus 1 px), the nearest pose the T can
    /// really take.
    static func reachableBlockPose(_ scene: PushTState) -> PushTState {
        let vertices = PushTPushPlanner.worldPieces(scene).flatMap { $0 }
        let inner = (low: 7.0 + 1, high: 504.0 - 1)
        let xs = vertices.map(\.x), ys = vertices.map(\.y)
        var moved = scene
        moved.blockX += max(0, inner.low - xs.min()!) - max(0, xs.max()! - inner.high)
        moved.blockY += max(0, inner.low - ys.min()!) - max(0, ys.max()! - inner.high)
        return moved
    }

    /// Resets to the start scene of `context.seed`: the strategies (push planner, then a wider one) as stages
    /// of an `EscalatingReset` (one attempt each) sharing the robot-time budget, verified by the block and agent
    /// tolerances.
    public func reset(_ context: ResetContext) async throws -> ResetOutcome {
        guard let pusher = context.arms.first, pusher.specification.dimension == 2 else {
            throw SimulatedTaskError.invalidParameter(
                "the Push-T robot reset drives the pusher: give the context the station's 2-axis pusher arm first")
        }
        let requested = Self.startScene(seed: context.seed)
        let target = Self.reachableBlockPose(requested)
        let period = 1 / PushTGeometry.controlRateHz
        let run = PushTResetRun(target: target, start: context.clock.now(), period: period,
                                maxSteps: Int(settings.budgetSeconds / period))
        let stages = Self.strategies.map { strategy in
            EscalatingReset.Stage(PushTPushToStart(name: strategy.name, parameters: strategy.parameters, world: world,
                                                   run: run, settings: settings), attempts: 1)
        }
        let ladder = try EscalatingReset(name: "pusht.robot-reset", stages: stages,
                                         verifier: PushTStartVerifier(world: world, run: run, settings: settings),
                                         timeBudgetSeconds: settings.budgetSeconds)
        var outcome = try await ladder.reset(context)
        // The substitutions of unreachable start poses are reported beside the ladder's own notes.
        var notes = target == requested ? [] : ["start pose overlaps a wall; nearest wall-free pose used"]
        if outcome.verified, let agentGoal = run.agentGoal, agentGoal != SIMD2(target.agentX, target.agentY) {
            notes.append("agent start overlaps the T; nearest free position used")
        }
        notes += outcome.reason.map { [$0] } ?? []
        outcome.reason = notes.isEmpty ? nil : notes.joined(separator: "; ")
        return outcome
    }

    /// gym-pusht may start the agent overlapping the T (its first physics step pushes them apart); a robot cannot
    /// place it there. Such a start is replaced by the nearest position at least 3 px clear of the block.
    static func reachableAgentPosition(_ wanted: SIMD2<Double>, block: PushTState) -> SIMD2<Double> {
        let pieces = PushTPushPlanner.worldPieces(block)
        let clearance = PushTGeometry.agentRadius + 3
        func free(_ p: SIMD2<Double>) -> Bool { pieces.allSatisfy { PushTPushPlanner.distance(from: p, to: $0) >= clearance } }
        if free(wanted) { return wanted }
        for radius in stride(from: 2.0, through: 160, by: 2) {
            var best: SIMD2<Double>?
            for k in 0..<48 {
                let angle = Double(k) / 48 * 2 * Double.pi
                let p = wanted + SIMD2(cos(angle), sin(angle)) * radius
                if free(p), best == nil { best = p }
            }
            if let best { return best }
        }
        return wanted
    }

    /// A path for the agent to `goal` that leaves the block where it is: candidate routes (the planner's
    /// around-the-block approach with growing clearances) are tried in a private simulation, and the first
    /// that moves the block by less than 0.5 px and 0.005 rad is used.
    static func agentPath(from state: PushTState, velocity: (x: Double, y: Double), to goal: SIMD2<Double>)
        -> [SIMD2<Double>] {
        let simulation = PushTSimulation()
        var candidates: [[SIMD2<Double>]] = []
        for (margin, radius) in [(4.0, 105.0), (12, 120), (24, 140), (40, 170)] {
            let planner = PushTPushPlanner(parameters: PushTPlannerParameters(approachRadius: radius, clearanceMargin: margin))
            var path = Array(planner.approachTargets(from: SIMD2(state.agentX, state.agentY), to: goal, state: state,
                                                     pieces: PushTPushPlanner.worldPieces(state)).dropFirst())
            path += [SIMD2<Double>](repeating: goal, count: 6)
            candidates.append(path)
        }
        for path in candidates {
            simulation.place(state, agentVelocity: velocity)
            for target in path { try? simulation.step(action: (target.x, target.y)) }
            let end = simulation.state
            let a = PushTPushPlanner.centerOfGravity(x: state.blockX, y: state.blockY, angle: state.blockAngle)
            let b = PushTPushPlanner.centerOfGravity(x: end.blockX, y: end.blockY, angle: end.blockAngle)
            if abs(a.0 - b.0) < 0.5, abs(a.1 - b.1) < 0.5, abs(end.blockAngle - state.blockAngle) < 0.005 { return path }
        }
        return candidates.last ?? [goal]
    }

    /// Whether the block's centre of gravity and angle are within tolerance of the target's.
    func blockWithinTolerance(_ state: PushTState, _ target: PushTState) -> Bool {
        Self.blockWithinTolerance(state, target, settings)
    }

    static func blockWithinTolerance(_ state: PushTState, _ target: PushTState, _ settings: Settings) -> Bool {
        let (position, angle) = blockError(state, target)
        return position <= settings.positionTolerance && angle <= settings.angleTolerance
    }

    static func blockError(_ state: PushTState, _ target: PushTState) -> (position: Double, angle: Double) {
        let a = PushTPushPlanner.centerOfGravity(x: state.blockX, y: state.blockY, angle: state.blockAngle)
        let b = PushTPushPlanner.centerOfGravity(x: target.blockX, y: target.blockY, angle: target.blockAngle)
        let distance = ((a.0 - b.0) * (a.0 - b.0) + (a.1 - b.1) * (a.1 - b.1)).squareRoot()
        return (distance, abs(remainder(state.blockAngle - target.blockAngle, 2 * Double.pi)))
    }
}
