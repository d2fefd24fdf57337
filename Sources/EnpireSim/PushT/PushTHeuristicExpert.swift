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
///
/// With ``PushTPlannerParameters/identifyPusher`` on, it also records the commands it sends and the pusher
/// positions it observes, fits the pusher's command latency, tracking lag and controller gain to them
/// (``PushTSystemIdentification/estimatePusher(_:coarse:)``) after 4, 8, 16, 32, ... commands and before every
/// plan, and plans with that model (``PushTPushPlanner/model``) from the controller state the fit implies
/// (commands in flight, lagging target). A fit that changes the model noticeably drops the current primitive.
/// This uses nothing a real station lacks (its own commands and its arm's encoders); the planner as a whole is
/// still an oracle (exact block state, simulator as model).
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
    /// **Privileged** (an oracle that knows the station exactly): the pusher controller's true hidden state, set
    /// by a caller that also set ``PushTPushPlanner/model`` to the episode's true perturbation. Plans start from
    /// it instead of a believed state. Nil (the default) for every non-oracle use.
    public var oracleController: PushTControllerState?
    /// Holds a used-up primitive's last target for the pusher (``PushTPlannerParameters/arrivalTolerance``).
    private var arrival = PushTArrivalWait()
    /// Commands sent and pusher positions observed this episode (with ``PushTPlannerParameters/identifyPusher``).
    private var recording: PushTSystemIdentification.Recording?
    /// Steps of the recording the online fit uses at most (bounds its cost).
    static let identificationHorizon = 150

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
        arrival.reset()
        planner.successCoverage = planner.parameters.targetCoverage
        planner.model = nil
        recording = nil
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
        let identify = planner.parameters.identifyPusher == 1
        if identify { observe(state) }
        let interval = planner.parameters.replanInterval
        if position >= queue.count, let last = queue.last,
           arrival.holds(agent: SIMD2(state.agentX, state.agentY), last: last,
                         tolerance: planner.parameters.arrivalTolerance) {
            if identify { recording?.commands.append([last.x, last.y]) }
            return last
        }
        var exhausted = position >= queue.count || (interval > 0 && position >= interval)
        if identify, let count = recording?.commands.count, count >= 4, exhausted || count & (count - 1) == 0 {
            if refitModel() { exhausted = true }
        }
        if exhausted {
            queue = planner.plan(state: state, agentVelocity: agentVelocity,
                                 controller: identify ? believedController() : oracleController).targets
            position = 0
        }
        defer { position += 1 }
        if identify { recording?.commands.append([queue[position].x, queue[position].y]) }
        return queue[position]
    }

    /// Adds an observed scene to the recording (the first one of an episode starts it).
    private mutating func observe(_ state: PushTState) {
        guard var current = recording else {
            recording = .init(start: state, commands: [], states: [])
            return
        }
        recording = nil
        if current.states.count < current.commands.count { current.states.append(state) }
        recording = current
    }

    /// Fits latency, lag and gain to the recording; true when the fit changed the planner's model noticeably.
    private mutating func refitModel() -> Bool {
        guard let recording else { return false }
        let horizon = Self.identificationHorizon
        let window = PushTSystemIdentification.Recording(
            start: recording.start, commands: Array(recording.commands.prefix(horizon)),
            states: Array(recording.states.prefix(horizon)))
        let fit = PushTSystemIdentification.estimatePusher([window], coarse: true)
        var model = PushTPerturbation()
        model.latencySteps = fit.latency
        model.trackingLagSeconds = fit.lag
        model.trackingGainScale = fit.gain
        let previous = planner.model ?? PushTPerturbation()
        planner.model = model
        return previous.latencySteps != model.latencySteps
            || abs(previous.trackingLagSeconds - model.trackingLagSeconds) > 0.01
            || abs(previous.trackingGainScale - model.trackingGainScale) > 0.1
    }

    /// The pusher controller's state under the identified model: the last commands, as many as the latency,
    /// still in flight, and the lagging target replayed from every command sent.
    private func believedController() -> PushTControllerState? {
        guard let recording, let model = planner.model, !recording.commands.isEmpty else { return nil }
        let replay = PushTSystemIdentification.replayPusher(
            recording, latency: model.latencySteps, lag: model.trackingLagSeconds, gain: model.trackingGainScale)
        let inFlight = recording.commands.suffix(model.latencySteps).map { SIMD2($0[0], $0[1]) }
        return PushTControllerState(inFlight: inFlight, trackedTarget: replay.trackedTarget)
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
