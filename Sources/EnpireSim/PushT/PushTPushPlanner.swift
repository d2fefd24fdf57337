import Foundation

/// A model-predictive planner of push primitives: it tries pushes at contact points around the T in a private
/// copy of the simulator and returns the agent targets of the one that brings the block closest to a goal pose.
///
/// A primitive is: travel to a pre-contact point beside one edge of the T (straight when the way is clear,
/// otherwise out to a circle around the block, along it, and in), then push along the edge's inward normal
/// for one of several distances, then hold for a few steps. Each candidate is rolled out with
/// ``PushTSimulation`` (the same physics as the world, so predictions are close to exact) and scored by
/// `CoG distance + angleWeight × |angle error| + stepPenalty × steps`; a rollout that covers the goal T by more
/// than ``successCoverage`` at any step wins, earliest first. The goal is any pose, so the same planner serves
/// the gym-pusht task and a robot-driven reset to a sampled start pose.
public struct PushTPushPlanner: Sendable {
    /// Goal pose of the T body origin (x, y in pixels, angle in radians).
    public var goal: (x: Double, y: Double, angle: Double)
    /// Tunable settings.
    public var parameters: PushTPlannerParameters
    /// Coverage of the goal T above which a rollout counts as reaching the goal.
    public var successCoverage: Double
    /// The station departures the planner's model assumes (latency, tracking lag and gain, ...); nil: clean
    /// gym-pusht. ``PushTHeuristicExpert`` sets it from its online identification of the pusher when the
    /// parameter ``PushTPlannerParameters/identifyPusher`` is on. Under a latency every push is followed by that
    /// many extra hold steps, so that the commands in flight land before the next plan.
    public var model: PushTPerturbation?

    /// Creates a planner toward `goal` (default: gym-pusht's goal pose).
    public init(goal: (x: Double, y: Double, angle: Double) = PushTGeometry.goalPose,
                parameters: PushTPlannerParameters = PushTPlannerParameters(),
                successCoverage: Double = PushTGeometry.successThreshold) {
        self.goal = goal
        self.parameters = parameters
        self.successCoverage = successCoverage
    }

    /// The primitive chosen from one state.
    public struct Plan: Sendable {
        /// Agent targets `(x, y)`, one per control step.
        public var targets: [SIMD2<Double>]
        /// Predicted cost at the end of the primitive (negative when the goal is predicted to be reached).
        public var predictedCost: Double
        /// Whether a rollout reached the goal (the targets then stop at the step where it did).
        public var reachesGoal: Bool
    }

    /// Cost of a state without the step penalty: CoG distance plus weighted angle error.
    public func poseCost(_ state: PushTState) -> Double {
        let (cx, cy) = Self.centerOfGravity(x: state.blockX, y: state.blockY, angle: state.blockAngle)
        let (gx, gy) = Self.centerOfGravity(x: goal.x, y: goal.y, angle: goal.angle)
        let angleError = abs(remainder(state.blockAngle - goal.angle, 2 * Double.pi))
        return ((cx - gx) * (cx - gx) + (cy - gy) * (cy - gy)).squareRoot() + parameters.angleWeight * angleError
    }

    /// Fraction of the goal T covered by the block in `state`.
    public func goalCoverage(_ state: PushTState) -> Double {
        PushTCoverage.coverage(blockX: state.blockX, blockY: state.blockY, blockAngle: state.blockAngle,
                               goalX: goal.x, goalY: goal.y, goalAngle: goal.angle)
    }

    /// Plans the next primitive from the observed scene and agent velocity; under a ``model`` with latency or
    /// lag, `controller` is the pusher controller's state as the planner believes it (commands in flight, tracked
    /// target), where each rollout starts.
    public func plan(state: PushTState, agentVelocity: (x: Double, y: Double),
                     controller: PushTControllerState? = nil) -> Plan {
        var best = Plan(targets: [SIMD2(state.agentX, state.agentY)], predictedCost: .infinity, reachesGoal: false)
        forEachCandidate(state: state, agentVelocity: agentVelocity, controller: controller) { _, targets, cost, reaches in
            consider(targets, cost: cost, reaches: reaches, into: &best)
        }
        return best
    }

    /// What one candidate primitive is predicted to achieve from a state.
    public struct CandidateScore: Sendable, Equatable, Codable {
        /// Predicted cost at the end of the primitive (see ``plan(state:agentVelocity:controller:)``); for a
        /// candidate that reaches the goal, the control steps until it does.
        public var cost: Double
        /// Whether the rollout reached the goal.
        public var reachesGoal: Bool
        /// Control steps the candidate takes (up to reaching the goal).
        public var steps: Int

        /// Creates a score.
        public init(cost: Double, reachesGoal: Bool, steps: Int) {
            self.cost = cost
            self.reachesGoal = reachesGoal
            self.steps = steps
        }
    }

    /// Number of candidate primitives: contact points times push distances. Candidate `i` is contact
    /// `i / pushDistances().count` pushed by distance `i % pushDistances().count`.
    public var candidateCount: Int { contacts().count * pushDistances().count }

    /// Scores every candidate primitive from a state by rolling it out in a private copy of the simulator.
    ///
    /// Privileged: this reads the exact state and uses the simulator as its model. It is the teacher's label for
    /// learned primitive selectors, never something a policy on a real station can call.
    public func scoreCandidates(state: PushTState, agentVelocity: (x: Double, y: Double)) -> [CandidateScore] {
        var scores = [CandidateScore](repeating: CandidateScore(cost: .infinity, reachesGoal: false, steps: 0),
                                      count: candidateCount)
        forEachCandidate(state: state, agentVelocity: agentVelocity, controller: nil) { index, targets, cost, reaches in
            scores[index] = reaches
                ? CandidateScore(cost: Double(targets.count), reachesGoal: true, steps: targets.count)
                : CandidateScore(cost: cost, reachesGoal: false, steps: targets.count)
        }
        return scores
    }

    /// The targets of candidate `index` from an observed scene, from geometry alone (no simulator): travel to the
    /// pre-contact point, push, settle. This is the scripted executor of a learned primitive selector.
    public func candidateTargets(_ index: Int, state: PushTState) -> [SIMD2<Double>] {
        let distances = pushDistances()
        let allContacts = contacts()
        guard index >= 0, index < allContacts.count * distances.count else { return [SIMD2(state.agentX, state.agentY)] }
        let (approach, preContact, normal) = approachToContact(allContacts[index / distances.count], state: state,
                                                               pieces: Self.worldPieces(state))
        return approach + pushTargets(from: preContact, normal: normal, distance: distances[index % distances.count])
    }

    /// The approach targets (ending at the pre-contact point) for one contact, the pre-contact point and the
    /// world-frame outward normal.
    private func approachToContact(_ contact: (point: SIMD2<Double>, normal: SIMD2<Double>), state: PushTState,
                                   pieces: [[SIMD2<Double>]])
        -> (targets: [SIMD2<Double>], preContact: SIMD2<Double>, normal: SIMD2<Double>) {
        let c = cos(state.blockAngle), s = sin(state.blockAngle)
        let point = SIMD2(c * contact.point.x - s * contact.point.y + state.blockX,
                          s * contact.point.x + c * contact.point.y + state.blockY)
        let normal = SIMD2(c * contact.normal.x - s * contact.normal.y, s * contact.normal.x + c * contact.normal.y)
        let r = PushTGeometry.agentRadius
        let preContact = point + normal * (r + parameters.contactGap)
        let staging = point + normal * (r + parameters.contactGap + 20)
        var approach = approachTargets(from: SIMD2(state.agentX, state.agentY), to: staging, state: state,
                                       pieces: pieces)
        approach.append(preContact)
        return (approach, preContact, normal)
    }

    /// The push along `-normal` from the pre-contact point by `distance` past first touch, then the settle steps.
    private func pushTargets(from preContact: SIMD2<Double>, normal: SIMD2<Double>, distance: Double)
        -> [SIMD2<Double>] {
        var push: [SIMD2<Double>] = []
        let travel = parameters.contactGap + distance
        let pushSteps = max(1, Int((travel / parameters.pushSpeed).rounded(.up)))
        for k in 1...pushSteps {
            push.append(preContact - normal * (travel * Double(k) / Double(pushSteps)))
        }
        for _ in 0..<(parameters.settleSteps + (model?.latencySteps ?? 0)) { push.append(push[push.count - 1]) }
        return push
    }

    /// Rolls every candidate out in a private simulator and reports `(index, targets, cost, reachesGoal)`;
    /// a candidate that reaches the goal reports its targets up to that step and cost `-1e6 + steps`.
    private func forEachCandidate(state: PushTState, agentVelocity: (x: Double, y: Double),
                                  controller: PushTControllerState?,
                                  _ body: (Int, [SIMD2<Double>], Double, Bool) -> Void) {
        let simulation = PushTSimulation()
        simulation.perturbation = model
        let start = Snapshot(state: state, velocity: agentVelocity, controller: controller)
        let distances = pushDistances()
        let world = Self.worldPieces(state)
        for (contactIndex, contact) in contacts().enumerated() {
            let (approach, preContact, normal) = approachToContact(contact, state: state, pieces: world)
            let approached = rollout(simulation, from: start, targets: approach, stepsBefore: 0)
            if let reached = approached.successStep {
                let targets = Array(approach[..<reached])
                for d in distances.indices {
                    body(contactIndex * distances.count + d, targets, -1e6 + Double(reached), true)
                }
                continue
            }
            for (d, distance) in distances.enumerated() {
                let push = pushTargets(from: preContact, normal: normal, distance: distance)
                let pushed = rollout(simulation, from: approached.end, targets: push, stepsBefore: approach.count)
                let index = contactIndex * distances.count + d
                if let reached = pushed.successStep {
                    body(index, approach + push[..<(reached - approach.count)], -1e6 + Double(reached), true)
                } else {
                    let steps = approach.count + push.count
                    let end = pushed.end.state
                    var cost = poseCost(end) + parameters.stepPenalty * Double(steps)
                    if parameters.coverageWeight > 0 { cost += parameters.coverageWeight * (1 - goalCoverage(end)) }
                    body(index, approach + push, cost, false)
                }
            }
        }
    }

    private func consider(_ targets: [SIMD2<Double>], cost: Double, reaches: Bool, into best: inout Plan) {
        if cost < best.predictedCost, !targets.isEmpty {
            best = Plan(targets: targets, predictedCost: cost, reachesGoal: reaches)
        }
    }

    struct Snapshot {
        var state: PushTState
        var velocity: (x: Double, y: Double)
        var controller: PushTControllerState?
    }

    /// Rolls `targets` out from `start`; reports the first step (counted from the primitive's start) at which the
    /// goal is covered, if any.
    private func rollout(_ simulation: PushTSimulation, from start: Snapshot, targets: [SIMD2<Double>],
                         stepsBefore: Int) -> (end: Snapshot, successStep: Int?) {
        simulation.place(start.state, agentVelocity: start.velocity, controller: start.controller)
        let (gx, gy) = Self.centerOfGravity(x: goal.x, y: goal.y, angle: goal.angle)
        for (index, target) in targets.enumerated() {
            // Targets are finite by construction (sums of finite state values and parameters).
            try? simulation.step(action: (target.x, target.y))
            let state = simulation.state
            let (cx, cy) = Self.centerOfGravity(x: state.blockX, y: state.blockY, angle: state.blockAngle)
            // Coverage is only worth computing close to the goal.
            if abs(cx - gx) < 12, abs(cy - gy) < 12, abs(remainder(state.blockAngle - goal.angle, 2 * Double.pi)) < 0.2,
               goalCoverage(state) > successCoverage {
                return (Snapshot(state: state, velocity: simulation.agentVelocity, controller: simulation.controller),
                        stepsBefore + index + 1)
            }
        }
        return (Snapshot(state: simulation.state, velocity: simulation.agentVelocity, controller: simulation.controller),
                nil)
    }

    /// Targets from the agent to `staging`: straight when the segment keeps clear of the T, otherwise out to the
    /// approach circle around the block's CoG, along it the short way, and in.
    func approachTargets(from agent: SIMD2<Double>, to staging: SIMD2<Double>, state: PushTState,
                                 pieces: [[SIMD2<Double>]]) -> [SIMD2<Double>] {
        let clearance = PushTGeometry.agentRadius + parameters.clearanceMargin
        var path = [agent]
        if !segmentIsClear(agent, staging, pieces: pieces, clearance: clearance) {
            let (cx, cy) = Self.centerOfGravity(x: state.blockX, y: state.blockY, angle: state.blockAngle)
            let center = SIMD2(cx, cy)
            let radius = parameters.approachRadius
            let fromAngle = atan2(agent.y - cy, agent.x - cx)
            let toAngle = atan2(staging.y - cy, staging.x - cx)
            let agentDistance = ((agent - center) * (agent - center)).sum().squareRoot()
            if agentDistance < radius {
                path.append(center + radius * SIMD2(cos(fromAngle), sin(fromAngle)))
            }
            let sweep = remainder(toAngle - fromAngle, 2 * Double.pi)
            let arcSteps = max(1, Int((abs(sweep) * radius / parameters.approachSpeed).rounded(.up)))
            for k in 1...arcSteps {
                let angle = fromAngle + sweep * Double(k) / Double(arcSteps)
                path.append(center + radius * SIMD2(cos(angle), sin(angle)))
            }
        }
        path.append(staging)
        return Self.resample(path, spacing: parameters.approachSpeed)
    }

    /// Points every `spacing` pixels along a polyline, ending on its last point (the first point is excluded).
    static func resample(_ path: [SIMD2<Double>], spacing: Double) -> [SIMD2<Double>] {
        var result: [SIMD2<Double>] = []
        var carried = 0.0
        for i in 1..<path.count {
            let a = path[i - 1], b = path[i]
            let length = ((b - a) * (b - a)).sum().squareRoot()
            guard length > 0 else { continue }
            var along = spacing - carried
            while along < length {
                result.append(a + (b - a) * (along / length))
                along += spacing
            }
            carried = length - (along - spacing)
        }
        if let last = path.last, result.last != last { result.append(last) }
        return result
    }

    private func segmentIsClear(_ a: SIMD2<Double>, _ b: SIMD2<Double>, pieces: [[SIMD2<Double>]],
                                clearance: Double) -> Bool {
        let length = ((b - a) * (b - a)).sum().squareRoot()
        let samples = max(1, Int(length / 4))
        for k in 0...samples {
            let p = a + (b - a) * (Double(k) / Double(samples))
            for piece in pieces where Self.distance(from: p, to: piece) < clearance { return false }
        }
        return true
    }

    /// Distance from a point to a convex polygon (0 inside).
    static func distance(from p: SIMD2<Double>, to polygon: [SIMD2<Double>]) -> Double {
        var inside = true
        var sign = 0.0
        var best = Double.infinity
        for i in polygon.indices {
            let a = polygon[i], b = polygon[(i + 1) % polygon.count]
            let edge = b - a, offset = p - a
            let cross = edge.x * offset.y - edge.y * offset.x
            if sign == 0 { sign = cross >= 0 ? 1 : -1 } else if cross * sign < 0 { inside = false }
            let t = min(max((offset * edge).sum() / (edge * edge).sum(), 0), 1)
            let d = offset - edge * t
            best = min(best, (d * d).sum().squareRoot())
        }
        return inside ? 0 : best
    }

    static func worldPieces(_ state: PushTState) -> [[SIMD2<Double>]] {
        [PushTGeometry.barVertices, PushTGeometry.stemVertices].map {
            PushTCoverage.transform($0, x: state.blockX, y: state.blockY, angle: state.blockAngle)
        }
    }

    static func centerOfGravity(x: Double, y: Double, angle: Double) -> (Double, Double) {
        let cog = PushTGeometry.blockCenterOfGravity
        let c = cos(angle), s = sin(angle)
        return (x + c * cog.x - s * cog.y, y + s * cog.x + c * cog.y)
    }

    /// Push distances from `pushDistanceMin` to `pushDistanceMax`, geometrically spaced.
    func pushDistances() -> [Double] {
        let n = parameters.pushDistanceCount
        guard n > 1 else { return [parameters.pushDistanceMax] }
        let ratio = parameters.pushDistanceMax / parameters.pushDistanceMin
        return (0..<n).map { parameters.pushDistanceMin * pow(ratio, Double($0) / Double(n - 1)) }
    }

    /// Contact points on the T's outline (body frame) with outward normals.
    func contacts() -> [(point: SIMD2<Double>, normal: SIMD2<Double>)] {
        let n = parameters.contactsPerEdge
        func spread(_ low: Double, _ high: Double, _ count: Int) -> [Double] {
            count == 1 ? [(low + high) / 2] : (0..<count).map { low + (high - low) * Double($0) / Double(count - 1) }
        }
        var result: [(point: SIMD2<Double>, normal: SIMD2<Double>)] = []
        // Bar top (y = 0, normal up), bar ends, bar undersides beside the stem, stem sides, stem bottom.
        for x in spread(-52, 52, n + 2) { result.append((SIMD2(x, 0), SIMD2(0, -1))) }
        for y in spread(8, 22, max(1, n - 1)) {
            result.append((SIMD2(-60, y), SIMD2(-1, 0)))
            result.append((SIMD2(60, y), SIMD2(1, 0)))
        }
        for x in spread(34, 54, max(1, n - 1)) {
            result.append((SIMD2(-x, 30), SIMD2(0, 1)))
            result.append((SIMD2(x, 30), SIMD2(0, 1)))
        }
        for y in spread(52, 110, n) {
            result.append((SIMD2(-15, y), SIMD2(-1, 0)))
            result.append((SIMD2(15, y), SIMD2(1, 0)))
        }
        for x in spread(-8, 8, max(1, n - 1)) { result.append((SIMD2(x, 120), SIMD2(0, 1))) }
        return result
    }
}
