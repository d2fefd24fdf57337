public import Enpire
public import EnpireSim

/// A scripted stand-in for a person watching a Push-T station: it takes over when the policy strays and hands
/// back once the block is on track again. **Privileged**: it reads the simulator's exact state and coverage (the
/// `"pusht.state"` and `"pusht.coverage"` features) and drives with the planner (`PushTHeuristicExpert`), which
/// plans with a private copy of the simulator. It stands in for a person only in simulation.
///
/// While the policy drives, the person remembers the best coverage so far. It takes over when coverage has not
/// risen by ``minimumProgress`` for ``stallSteps`` steps, or has fallen ``dropTolerance`` below the best (the block
/// pushed away). While it holds, every command is the planner's next target, one push primitive after another; at
/// the end of a primitive it hands back when coverage has risen ``handBackGain`` above where it took over (or
/// passed ``handBackCoverage``), or when it has held ``maximumHoldSteps`` steps.
public struct PushTScriptedPerson: InterventionSource {
    /// Steps without progress before taking over.
    public var stallSteps: Int
    /// Coverage rise that counts as progress.
    public var minimumProgress: Double
    /// Coverage fall below the best that triggers a takeover at once.
    public var dropTolerance: Double
    /// Coverage gain over the takeover point that lets the person hand back.
    public var handBackGain: Double
    /// Coverage at which the person hands back whatever the gain.
    public var handBackCoverage: Double
    /// Longest hold, in steps (the person hands back at the next primitive boundary after it).
    public var maximumHoldSteps: Int
    private var planner: PushTHeuristicExpert
    private var holding = false
    private var best = 0.0
    private var stalled = 0
    private var heldSteps = 0
    private var coverageAtTakeover = 0.0

    /// Creates the person; `parameters` is the planner's primitive library (use the learned policy's, so its
    /// interventions can be labelled in the policy's own primitives).
    public init(parameters: PushTPlannerParameters = PushTPlannerParameters(), stallSteps: Int = 25,
                minimumProgress: Double = 0.02, dropTolerance: Double = 0.15, handBackGain: Double = 0.2,
                handBackCoverage: Double = 0.9, maximumHoldSteps: Int = 80) {
        planner = PushTHeuristicExpert(parameters: parameters)
        self.stallSteps = max(1, stallSteps)
        self.minimumProgress = minimumProgress
        self.dropTolerance = dropTolerance
        self.handBackGain = handBackGain
        self.handBackCoverage = handBackCoverage
        self.maximumHoldSteps = max(1, maximumHoldSteps)
    }

    /// Starts watching a new episode.
    public mutating func beginEpisode() async throws {
        holding = false
        best = 0
        stalled = 0
        heldSteps = 0
        planner.reset()
    }

    /// The planner's next target while the person holds, else nil.
    public mutating func commands(for observation: Observation, policyRequested: [ArmCommand]) async throws
        -> [ArmCommand]? {
        guard let vector = observation.features[PushTFeatures.state], vector.count == 5 else {
            throw PushTExpertError.missingState(Array(observation.features.keys).sorted())
        }
        let state = PushTState(agentX: vector[0], agentY: vector[1], blockX: vector[2], blockY: vector[3],
                               blockAngle: vector[4])
        let coverage = observation.features[PushTFeatures.coverage]?.first ?? planner.planner.goalCoverage(state)
        if holding, planner.primitiveExhausted,
           coverage >= coverageAtTakeover + handBackGain || coverage >= handBackCoverage || heldSteps >= maximumHoldSteps {
            holding = false
            best = coverage
            stalled = 0
        }
        if !holding {
            if coverage > best + minimumProgress {
                best = coverage
                stalled = 0
            } else {
                stalled += 1
            }
            guard stalled >= stallSteps || coverage < best - dropTolerance else { return nil }
            holding = true
            heldSteps = 0
            coverageAtTakeover = coverage
            planner.reset()
        }
        heldSteps += 1
        let velocity = observation.features[PushTFeatures.agentVelocity] ?? [0, 0]
        let target = planner.nextTarget(state: state,
                                        agentVelocity: velocity.count == 2 ? (velocity[0], velocity[1]) : (0, 0))
        return [.moveTo([target.x, target.y])]
    }
}
