import Enpire
import EnpireReset
import Foundation
import Synchronization

/// What the stages of one Push-T robot reset share: the target scene, the robot-time budget counted in control
/// steps (so every strategy stops at the same step as the routine's budget says), and the agent goal the last
/// attempt chose (the verifier checks the agent against it).
final class PushTResetRun: Sendable {
    let target: PushTState
    let start: Double
    let period: Double
    let maxSteps: Int
    private let state = Mutex<(steps: Int, agentGoal: SIMD2<Double>?)>((0, nil))

    init(target: PushTState, start: Double, period: Double, maxSteps: Int) {
        self.target = target
        self.start = start
        self.period = period
        self.maxSteps = maxSteps
    }

    /// Whether robot time is left in the budget.
    var hasSteps: Bool { state.withLock { $0.steps < maxSteps } }

    /// Counts one control step and returns the total so far.
    func step() -> Int { state.withLock { $0.steps += 1; return $0.steps } }

    /// The agent goal of the current attempt (nil before it gets that far).
    var agentGoal: SIMD2<Double>? {
        get { state.withLock { $0.agentGoal } }
        set { state.withLock { $0.agentGoal = newValue } }
    }
}

/// One strategy of the Push-T robot reset: push the T to the start pose with a push planner, then bring the
/// agent round to its start without disturbing the block; up to three rounds when the agent's path disturbed
/// the block. Judging the result is the ``PushTStartVerifier``'s job.
struct PushTPushToStart: ResetStrategy {
    let name: String
    let parameters: PushTPlannerParameters
    let world: PushTWorld
    let run: PushTResetRun
    let settings: PushTRobotReset.Settings

    func attempt(_ context: ResetContext, deadlineSeconds: Double) async throws {
        let target = run.target
        run.agentGoal = nil
        // Every push goes through the station's safety gate (envelope and e-stop), like any other command.
        let pusher = context.arms[0]
        func advance(_ goal: SIMD2<Double>) async throws {
            try await pusher.send(.moveTo([goal.x, goal.y]))
            let steps = run.step()
            try await context.clock.sleep(untilSeconds: run.start + Double(steps) * run.period)
        }
        let planner = PushTPushPlanner(goal: (target.blockX, target.blockY, target.blockAngle),
                                       parameters: parameters, successCoverage: 0.97)
        // Block first, then the agent; if moving the agent disturbed the block, go round again.
        for _ in 0..<3 where run.hasSteps {
            // 1. The block, by pushing.
            var plansWithoutProgress = 0
            while run.hasSteps, !PushTRobotReset.blockWithinTolerance(await world.state, target, settings) {
                let state = await world.state
                let before = planner.poseCost(state)
                let plan = planner.plan(state: state, agentVelocity: await world.agentVelocity)
                for goal in plan.targets where run.hasSteps { try await advance(goal) }
                plansWithoutProgress = planner.poseCost(await world.state) < before - 0.5 ? 0 : plansWithoutProgress + 1
                if plansWithoutProgress >= 6 { break }
            }
            guard PushTRobotReset.blockWithinTolerance(await world.state, target, settings) else { break }
            // 2. The agent, around the block, along a path that leaves the block still in simulation.
            let state = await world.state
            let agentGoal = PushTRobotReset.reachableAgentPosition(SIMD2(target.agentX, target.agentY), block: state)
            run.agentGoal = agentGoal
            let path = PushTRobotReset.agentPath(from: state, velocity: await world.agentVelocity, to: agentGoal)
            for goal in path where run.hasSteps { try await advance(goal) }
            let final = await world.state
            if PushTRobotReset.blockWithinTolerance(final, target, settings) {
                // Done, or the agent cannot reach its start with this planner: either way the verifier decides.
                break
            }
        }
        if !run.hasSteps, !PushTStartVerifier.check(await world.state, run: run, settings: settings).passed {
            // The budget is spent in control steps; the ladder's clock must see it spent too.
            if context.clock.now() < deadlineSeconds { try await context.clock.sleep(untilSeconds: deadlineSeconds) }
            throw ResetStrategyError.deadlineReached(strategy: name, atSeconds: context.clock.now())
        }
    }
}

/// Verifies a Push-T start scene from the simulator's state (privileged: ground truth, as a simulated station
/// may): the block's centre of gravity and angle within tolerance of the target, and the agent within tolerance
/// of the goal the strategy chose (its start, or the nearest free position when the start overlaps the T).
struct PushTStartVerifier: ResetVerifier {
    let world: PushTWorld
    let run: PushTResetRun
    let settings: PushTRobotReset.Settings

    var identity: String { "pusht.start-scene.ground-truth" }

    func verify(_ context: ResetContext) async throws -> ResetVerification {
        Self.check(await world.state, run: run, settings: settings)
    }

    /// The verification of `state` against the run's target and agent goal.
    static func check(_ state: PushTState, run: PushTResetRun, settings: PushTRobotReset.Settings)
        -> ResetVerification {
        let (position, angle) = PushTRobotReset.blockError(state, run.target)
        guard position <= settings.positionTolerance, angle <= settings.angleTolerance else {
            return .fail("block not within tolerance (" + String(format: "%.1f px, %.3f rad off", position, angle) + ")",
                         errors: ["position_px": position, "angle_rad": angle])
        }
        guard let goal = run.agentGoal else {
            return .fail("the agent was not brought to its start", errors: ["position_px": position, "angle_rad": angle])
        }
        let agentError = ((state.agentX - goal.x) * (state.agentX - goal.x)
            + (state.agentY - goal.y) * (state.agentY - goal.y)).squareRoot()
        let errors = ["position_px": position, "angle_rad": angle, "agent_px": agentError]
        guard agentError <= settings.agentTolerance else {
            return .fail("agent " + String(format: "%.1f", agentError) + " px from its start", errors: errors)
        }
        return .pass(errors: errors)
    }
}
