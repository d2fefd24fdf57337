/// What a reset routine may use: guarded handles on the station's arms, the cameras, the seed of the start
/// state it should produce, and the clock.
///
/// The arms are ``GuardedArm``s: every command a reset sends passes the station's ``SafetyEnvelope`` and
/// emergency stop, and is recorded with the source `reset`. A reset never gets the raw `RobotArm`.
public struct ResetContext: Sendable {
    /// Guarded handles on the station's arms, in station order.
    public var arms: [GuardedArm]
    /// The station's cameras.
    public var cameras: [any Camera]
    /// Seed of the start state to produce (reset routines sample the task's start distribution from it).
    public var seed: UInt64
    /// The station clock.
    public var clock: any StationClock

    /// Creates a context over guarded arms (a station passes ``SafetyGate/guardedArms(source:)``).
    public init(arms: [GuardedArm], cameras: [any Camera], seed: UInt64, clock: any StationClock) {
        self.arms = arms
        self.cameras = cameras
        self.seed = seed
        self.clock = clock
    }

    /// Creates a context for running a reset without a station: the arms are put behind a new ``SafetyGate``
    /// with `safety` (one envelope per arm; default each arm's own limits). Throws when the envelopes do not fit.
    public init(arms: [any RobotArm], safety: [SafetyEnvelope]? = nil, cameras: [any Camera], seed: UInt64,
                clock: any StationClock) throws {
        let gate = try SafetyGate(arms: arms, envelopes: safety, clock: clock)
        self.init(arms: gate.guardedArms(source: .reset), cameras: cameras, seed: seed, clock: clock)
    }
}

/// The result of one reset.
public struct ResetOutcome: Sendable, Codable, Equatable {
    /// Whether the scene was verified to be in a valid start state.
    public var verified: Bool
    /// Attempts made (1 when the first attempt succeeded).
    public var attempts: Int
    /// Robot time spent, in seconds.
    public var elapsedSeconds: Double
    /// Why the reset failed or needed retries; `nil` on a clean first success.
    public var reason: String?
    /// Strategy that produced the final state (for example `"push-to-pose"`, `"teleport"`).
    public var strategy: String
    /// What a person did (or was asked to do) because the robot cannot put the scene back alone, for example
    /// `"replace the cut zip tie"`; nil when the robot (or the simulator) reset the scene by itself. Recorded
    /// with the episode, so operator work is data, not a silent step.
    public var operatorAction: String?

    /// Creates an outcome.
    public init(verified: Bool, attempts: Int, elapsedSeconds: Double, reason: String? = nil, strategy: String,
                operatorAction: String? = nil) {
        self.verified = verified
        self.attempts = attempts
        self.elapsedSeconds = elapsedSeconds
        self.reason = reason
        self.strategy = strategy
        self.operatorAction = operatorAction
    }
}

/// Puts the scene back into a start state, with the robot itself where possible, and verifies it.
public protocol ResetRoutine: Sendable {
    /// Stable identifier, part of the frozen evaluation hash.
    var identity: String { get }
    /// Resets the scene for the start state drawn from `context.seed`.
    func reset(_ context: ResetContext) async throws -> ResetOutcome
}
