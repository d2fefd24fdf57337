public import Enpire

/// A scripted Push-T expert: pushes the T to gym-pusht's goal with ``PushTPushPlanner``, executing one planned
/// push primitive after another.
///
/// It reads the `"pusht.state"` feature (and `"pusht.agent_velocity"` when present, else assumes rest), so it
/// runs in any simulated Push-T station. It plans with a model (a private copy of the simulator), which is
/// what makes it strong; use it for demonstrations and as a baseline, not as a camera-only policy.
///
/// It stops pushing once the goal is covered by more than its target coverage. gym-pusht ends the episode there;
/// a station judged by a camera may not (the camera confirms only with a margin above 0.95), so when the episode
/// is still running ``patienceSteps`` steps after the target was reached, the expert raises its target by
/// ``targetStep`` (up to ``maximumTarget``) and pushes on, instead of waiting out the step limit.
public struct PushTHeuristicExpert: Policy {
    /// The planner (goal and tunable parameters).
    public var planner: PushTPushPlanner
    /// Steps the episode may go on with the target reached before the expert raises its target.
    public var patienceSteps = 8
    /// How much the target rises each time.
    public var targetStep = 0.01
    /// The highest target the expert raises to.
    public var maximumTarget = 0.99
    private var queue: [SIMD2<Double>] = []
    private var position = 0
    private var stepsAtTarget = 0

    /// Creates the expert toward gym-pusht's goal.
    public init(parameters: PushTPlannerParameters = PushTPlannerParameters()) {
        planner = PushTPushPlanner(parameters: parameters, successCoverage: parameters.targetCoverage)
    }

    /// `"pusht-heuristic-expert"`.
    public var name: String { "pusht-heuristic-expert" }

    /// Whether the current primitive is used up, so the next step plans a new one from the state it is given.
    public var primitiveExhausted: Bool {
        let interval = planner.parameters.replanInterval
        return position >= queue.count || (interval > 0 && position >= interval)
    }

    /// Forgets the current primitive.
    public mutating func reset() {
        queue.removeAll()
        position = 0
        stepsAtTarget = 0
        planner.successCoverage = planner.parameters.targetCoverage
    }

    /// The next pusher target from the observation's Push-T features.
    public mutating func action(for observation: Observation) async throws -> [ArmCommand] {
        guard let vector = observation.features[PushTFeatures.state], vector.count == 5 else {
            throw PushTExpertError.missingState(Array(observation.features.keys).sorted())
        }
        let velocity = observation.features[PushTFeatures.agentVelocity] ?? [0, 0]
        let state = PushTState(agentX: vector[0], agentY: vector[1], blockX: vector[2], blockY: vector[3],
                               blockAngle: vector[4])
        let target = nextTarget(state: state, agentVelocity: velocity.count == 2 ? (velocity[0], velocity[1]) : (0, 0))
        return [.moveTo([target.x, target.y])]
    }

    /// The next target for a state, planning a new primitive when the current one is used up.
    public mutating func nextTarget(state: PushTState, agentVelocity: (x: Double, y: Double)) -> SIMD2<Double> {
        if planner.successCoverage < maximumTarget {
            stepsAtTarget = planner.goalCoverage(state) > planner.successCoverage ? stepsAtTarget + 1 : 0
            if stepsAtTarget > patienceSteps {
                // The episode goes on although the target is met: whoever judges wants more coverage.
                planner.successCoverage = min(maximumTarget, planner.successCoverage + targetStep)
                stepsAtTarget = 0
                queue.removeAll()
                position = 0
            }
        }
        let interval = planner.parameters.replanInterval
        if position >= queue.count || (interval > 0 && position >= interval) {
            queue = planner.plan(state: state, agentVelocity: agentVelocity).targets
            position = 0
        }
        defer { position += 1 }
        return queue[position]
    }
}

/// Errors of the Push-T expert.
public enum PushTExpertError: Error, Equatable, CustomStringConvertible {
    /// The observation had no 5-number `"pusht.state"` feature.
    case missingState([String])

    /// A message a user can act on.
    public var description: String {
        switch self {
        case .missingState(let keys):
            return "the Push-T expert needs the feature \"\(PushTFeatures.state)\" (5 numbers); the observation has "
                + "[\(keys.joined(separator: ", "))]: add the PushTWorld as the station's feature source"
        }
    }
}
