public import Enpire
public import EnpireReset
import Foundation

/// One way the pusher puts the T back: push it to the seeded start pose with ``PushTPushPlanner`` (goal = the
/// start pose), then walk the agent to its seeded start position on a path that keeps clear of the T.
///
/// Commands go through the station's first arm (the ``PushTPusherArm``), one per control period, and the
/// station clock sleeps 0.1 s of robot time after each. The block is read from the ``PushTWorld`` (ground
/// truth, as a tracked pose would be on hardware).
public struct PushTPushToPoseStrategy: ResetStrategy {
    private let world: PushTWorld
    /// Strategy name (for example `"push-to-pose"`, `"push-to-pose-fine"`).
    public let name: String
    /// Planner settings.
    public let parameters: PushTPlannerParameters
    /// The pushing phase stops once the block is this close; tighter than the verifier's tolerance so that
    /// the agent's walk afterwards has margin.
    public let pushTolerance: PushTResetTolerance
    /// When pushing stops improving (no gain of 0.5 px-equivalent in ``stallSteps`` steps) with the block within
    /// this looser tolerance, the push phase ends there: fine pushes near the goal can circle for a long time.
    public let acceptTolerance: PushTResetTolerance
    /// Control steps without improvement after which a push inside ``acceptTolerance`` is accepted.
    public let stallSteps: Int
    /// Robot time allowed for one attempt, in seconds (the reset's overall budget also applies).
    public let attemptSeconds: Double
    /// Clearance kept between the agent disc and the T while walking to the agent start, in pixels.
    public let walkClearance: Double
    /// Agent target advance per control step while walking, in pixels.
    public let walkSpeed: Double

    /// Creates the strategy.
    public init(world: PushTWorld, name: String = "push-to-pose", parameters: PushTPlannerParameters = .init(),
                pushTolerance: PushTResetTolerance = PushTResetTolerance(blockPositionPixels: 4,
                                                                         blockAngleRadians: 0.04,
                                                                         agentPositionPixels: 2),
                acceptTolerance: PushTResetTolerance = PushTResetTolerance(blockPositionPixels: 7,
                                                                           blockAngleRadians: 0.07,
                                                                           agentPositionPixels: 2),
                stallSteps: Int = 30, attemptSeconds: Double = 60, walkClearance: Double = 12, walkSpeed: Double = 20) {
        self.world = world
        self.name = name
        self.parameters = parameters
        self.pushTolerance = pushTolerance
        self.acceptTolerance = acceptTolerance
        self.stallSteps = stallSteps
        self.attemptSeconds = attemptSeconds
        self.walkClearance = walkClearance
        self.walkSpeed = walkSpeed
    }

    /// Pushes the block to the start pose, then walks the agent to its start position.
    public func attempt(_ context: ResetContext, deadlineSeconds: Double) async throws {
        guard let arm = context.arms.first else {
            throw ResetStrategyError.invalidConfiguration("the Push-T reset needs the pusher arm; the station has none")
        }
        let deadline = min(deadlineSeconds, context.clock.now() + attemptSeconds)
        let start = PushTRobotReset.targetState(seed: context.seed).state
        let planner = PushTPushPlanner(goal: (start.blockX, start.blockY, start.blockAngle), parameters: parameters)
        var queue: [SIMD2<Double>] = []
        var position = 0
        let interval = parameters.replanInterval
        var bestCost = Double.infinity
        var stalled = 0
        while true {
            let state = await world.state
            let error = PushTResetTolerance.blockErrors(state, from: start)
            if error.pixels <= pushTolerance.blockPositionPixels, error.radians <= pushTolerance.blockAngleRadians {
                break
            }
            // 1 px of position weighs like 0.01 rad of angle, matching the 10 px / 0.1 rad default tolerance.
            let cost = error.pixels + 100 * error.radians
            if cost < bestCost - 0.5 { bestCost = cost; stalled = 0 } else { stalled += 1 }
            if stalled >= stallSteps, error.pixels <= acceptTolerance.blockPositionPixels,
               error.radians <= acceptTolerance.blockAngleRadians {
                break
            }
            if position >= queue.count || (interval > 0 && position >= interval) {
                queue = planner.plan(state: state, agentVelocity: await world.agentVelocity).targets
                position = 0
            }
            try await step(arm, toward: queue[position], context: context, deadline: deadline)
            position += 1
        }
        try await walkAgent(arm, to: SIMD2(start.agentX, start.agentY), context: context, deadline: deadline)
    }

    private func walkAgent(_ arm: any RobotArm, to goal: SIMD2<Double>, context: ResetContext,
                           deadline: Double) async throws {
        let state = await world.state
        let path = Self.walkPath(from: SIMD2(state.agentX, state.agentY), to: goal, state: state,
                                 clearance: PushTGeometry.agentRadius + walkClearance, spacing: walkSpeed)
        for target in path { try await step(arm, toward: target, context: context, deadline: deadline) }
        // The PD-driven agent lags its target: hold the goal until it has arrived and nearly stopped.
        for _ in 0..<20 {
            let now = await world.state
            let velocity = await world.agentVelocity
            let offset = SIMD2(now.agentX, now.agentY) - goal
            let speed = (velocity.x * velocity.x + velocity.y * velocity.y).squareRoot()
            if (offset * offset).sum().squareRoot() <= pushTolerance.agentPositionPixels, speed < 5 { return }
            try await step(arm, toward: goal, context: context, deadline: deadline)
        }
    }

    private func step(_ arm: any RobotArm, toward target: SIMD2<Double>, context: ResetContext,
                      deadline: Double) async throws {
        let now = context.clock.now()
        guard now < deadline else { throw ResetStrategyError.deadlineReached(strategy: name, atSeconds: now) }
        _ = try await arm.send(.moveTo([target.x, target.y]))
        try await context.clock.sleep(untilSeconds: now + arm.specification.controlPeriodSeconds)
    }

    /// Targets from the agent to `goal`: straight when the segment keeps `clearance` from the T; otherwise out
    /// to a circle around the block's CoG, along it (whichever way stays clearer inside the arena), and in
    /// along the ray through the goal.
    static func walkPath(from agent: SIMD2<Double>, to goal: SIMD2<Double>, state: PushTState, clearance: Double,
                         spacing: Double) -> [SIMD2<Double>] {
        let pieces = PushTPushPlanner.worldPieces(state)
        func gap(_ p: SIMD2<Double>) -> Double {
            pieces.map { PushTPushPlanner.distance(from: p, to: $0) }.min() ?? .infinity
        }
        func violations(_ path: [SIMD2<Double>]) -> Int {
            var count = 0
            for i in 1..<path.count {
                let a = path[i - 1], b = path[i]
                let length = ((b - a) * (b - a)).sum().squareRoot()
                let samples = max(1, Int(length / 3))
                for k in 0...samples where gap(a + (b - a) * (Double(k) / Double(samples))) < clearance {
                    count += 1
                }
            }
            return count
        }
        let direct = [agent, goal]
        if violations(direct) == 0 { return PushTPushPlanner.resample(direct, spacing: spacing) }
        let (cx, cy) = PushTPushPlanner.centerOfGravity(x: state.blockX, y: state.blockY, angle: state.blockAngle)
        let center = SIMD2(cx, cy)
        // The T reaches 75 px from its CoG; the circle keeps the disc and the clearance outside that.
        let radius = 75 + clearance
        let low = PushTGeometry.agentRadius, high = PushTGeometry.worldSize - PushTGeometry.agentRadius
        func onCircle(_ angle: Double) -> SIMD2<Double> {
            let p = center + radius * SIMD2(cos(angle), sin(angle))
            return SIMD2(min(max(p.x, low), high), min(max(p.y, low), high))
        }
        let fromAngle = atan2(agent.y - cy, agent.x - cx)
        let toAngle = atan2(goal.y - cy, goal.x - cx)
        let short = remainder(toAngle - fromAngle, 2 * Double.pi)
        let long = short > 0 ? short - 2 * Double.pi : short + 2 * Double.pi
        var best: [SIMD2<Double>] = direct
        var bestScore = Int.max
        for sweep in [short, long] {
            var path = [agent, onCircle(fromAngle)]
            let arcSteps = max(1, Int((abs(sweep) * radius / spacing).rounded(.up)))
            for k in 1...arcSteps { path.append(onCircle(fromAngle + sweep * Double(k) / Double(arcSteps))) }
            path.append(goal)
            // Each violation sample is ~3 px of path inside the clearance; length breaks ties.
            let score = violations(path) * 1000 + Int(abs(sweep) * radius)
            if score < bestScore { best = path; bestScore = score }
        }
        return PushTPushPlanner.resample(best, spacing: spacing)
    }
}
