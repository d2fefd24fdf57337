/// The single path from any command source to a set of arms: it owns the arms, one ``SafetyEnvelope`` per arm
/// and the emergency-stop latch, and passes every command (policy, reset, homing, teleoperation, scripts,
/// watchdog holds) through the arm's envelope with a fresh reading of the arm's position.
///
/// Nothing outside the gate can reach its arms: the gate hands out ``GuardedArm`` handles, which observe and
/// send only through it. A ``Station`` builds one gate over its arms and keeps the raw arms private.
///
/// Once the emergency stop is latched, no command of any kind reaches an arm (not even a hold: the arms were
/// told to stop) until ``clearEmergencyStop()``.
public actor SafetyGate {
    /// The result of one command passed through the gate.
    public struct Outcome: Sendable, Equatable {
        /// What the arm reported as applied (``ArmCommand/hold`` when nothing was sent).
        public var applied: ArmCommand
        /// What the envelope changed or refused.
        public var interventions: [SafetyIntervention]
        /// Whether a command reached the arm (`false` only while the emergency stop is latched).
        public var delivered: Bool
    }

    private let arms: [any RobotArm]
    private var envelopes: [SafetyEnvelope]
    private var latched = false
    private var log: [ArmCommandRecord]?
    private let clock: any StationClock
    /// Specifications of the gated arms, in order.
    public nonisolated let specifications: [ArmSpecification]

    /// Creates a gate over `arms`; `envelopes` holds one per arm (default: each arm's own limits). Throws when the
    /// counts or the envelopes' dimensions do not match the arms.
    public init(arms: [any RobotArm], envelopes: [SafetyEnvelope]? = nil, clock: any StationClock = SystemClock())
        throws {
        let envelopes = try envelopes ?? arms.map { try SafetyEnvelope(specification: $0.specification) }
        guard envelopes.count == arms.count else {
            throw SafetyConfigurationError("\(envelopes.count) safety envelopes for \(arms.count) arms; give one per arm")
        }
        for (index, (arm, envelope)) in zip(arms, envelopes).enumerated()
        where envelope.workspace.dimension != arm.specification.dimension {
            throw SafetyConfigurationError(
                "the envelope of arm \(index) (\(arm.specification.name)) has \(envelope.workspace.dimension) axes, "
                + "the arm has \(arm.specification.dimension); build it from that arm's specification")
        }
        self.arms = arms
        self.envelopes = envelopes.map { envelope in
            var copy = envelope
            copy.clearEmergencyStop()
            return copy
        }
        self.clock = clock
        specifications = arms.map(\.specification)
        if envelopes.contains(where: \.emergencyStopLatched) {
            latched = true
            for i in self.envelopes.indices { self.envelopes[i].latchEmergencyStop() }
        }
    }

    /// Number of gated arms.
    public nonisolated var armCount: Int { specifications.count }

    /// Handles on every arm that send through this gate, tagged with `source` (recorded with each command).
    public nonisolated func guardedArms(source: ActionSource) -> [GuardedArm] {
        specifications.indices.map { GuardedArm(gate: self, index: $0, source: source) }
    }

    /// The envelope of arm `index`.
    public func envelope(ofArm index: Int) throws -> SafetyEnvelope {
        try checkIndex(index)
        return envelopes[index]
    }

    /// Whether the emergency stop is latched.
    public var emergencyStopLatched: Bool { latched }

    /// Latches the emergency stop (every later command is refused), then tells every arm to stop.
    public func latchEmergencyStop() async {
        latched = true
        for i in envelopes.indices { envelopes[i].latchEmergencyStop() }
        for arm in arms { try? await arm.stop() }
    }

    /// Clears a latched emergency stop (an explicit operator action).
    public func clearEmergencyStop() {
        latched = false
        for i in envelopes.indices { envelopes[i].clearEmergencyStop() }
    }

    /// Connects every arm.
    public func connectAll() async throws {
        for arm in arms { try await arm.connect() }
    }

    /// Reads arm `index`.
    public func observe(arm index: Int) async throws -> RobotState {
        try checkIndex(index)
        return try await arms[index].observe()
    }

    /// Reads every arm, in order.
    public func observeAll() async throws -> [RobotState] {
        var states: [RobotState] = []
        states.reserveCapacity(arms.count)
        for arm in arms { states.append(try await arm.observe()) }
        return states
    }

    /// Passes one command for arm `index` through its envelope, with the arm's position read just before, and
    /// sends what the envelope lets through. While the emergency stop is latched nothing is sent.
    public func submit(_ requested: ArmCommand, toArm index: Int, source: ActionSource) async throws -> Outcome {
        try checkIndex(index)
        if let refused = refusal(requested, index) { return refused }
        var position: [Double]?
        if requested.mode != .hold {
            position = try await arms[index].observe().position
            // The reading suspended this actor: the e-stop may have latched meanwhile.
            if let refused = refusal(requested, index) { return refused }
        }
        let filtered = envelopes[index].filter(requested, currentPosition: position, armIndex: index)
        // No suspension between the latch check above and handing the command to the arm.
        let applied = try await arms[index].send(filtered.applied)
        log?.append(ArmCommandRecord(timeSeconds: clock.now(), armIndex: index, source: source, position: position,
                                     requested: requested, applied: applied, interventions: filtered.interventions))
        return Outcome(applied: applied, interventions: filtered.interventions, delivered: true)
    }

    /// Passes one command per arm (in arm order) through the gate; missing commands become holds, recorded as
    /// ``SafetyIntervention/Kind/invalidCommand``.
    public func submitAll(_ requested: [ArmCommand], source: ActionSource) async throws
        -> (applied: [ArmCommand], interventions: [SafetyIntervention]) {
        var applied: [ArmCommand] = []
        var interventions: [SafetyIntervention] = []
        for index in arms.indices {
            var command = ArmCommand.hold
            if index < requested.count {
                command = requested[index]
            } else {
                interventions.append(SafetyIntervention(
                    armIndex: index, kind: .invalidCommand, requested: .hold, applied: .hold,
                    detail: "\(requested.count) commands for \(arms.count) arms; arm \(index) holds"))
            }
            let outcome = try await submit(command, toArm: index, source: source)
            applied.append(outcome.applied)
            interventions += outcome.interventions
        }
        return (applied, interventions)
    }

    /// Starts keeping a record of every command delivered from now on (replacing any open record).
    public func startRecording() {
        log = []
    }

    /// Stops recording and returns the commands delivered since ``startRecording()``.
    public func stopRecording() -> [ArmCommandRecord] {
        defer { log = nil }
        return log ?? []
    }

    private func refusal(_ requested: ArmCommand, _ index: Int) -> Outcome? {
        guard latched else { return nil }
        let record = SafetyIntervention(armIndex: index, kind: .emergencyStop, requested: requested, applied: .hold,
                                        detail: "emergency stop latched: nothing sent; clear it explicitly to move again")
        return Outcome(applied: .hold, interventions: [record], delivered: false)
    }

    private func checkIndex(_ index: Int) throws {
        guard arms.indices.contains(index) else { throw SafetyGateError.noSuchArm(index: index, count: arms.count) }
    }
}

/// A handle on one arm behind a ``SafetyGate``: what reset routines (and other command sources) get instead of
/// the raw `RobotArm`. Every ``send(_:)`` passes the arm's envelope and the emergency stop.
public struct GuardedArm: Sendable {
    private let gate: SafetyGate
    /// Index of the arm in the gate's (the station's) arm order.
    public let index: Int
    /// Who the commands sent through this handle are recorded as coming from.
    public let source: ActionSource

    init(gate: SafetyGate, index: Int, source: ActionSource) {
        self.gate = gate
        self.index = index
        self.source = source
    }

    /// The arm's specification.
    public var specification: ArmSpecification { gate.specifications[index] }

    /// Reads the arm.
    public func observe() async throws -> RobotState {
        try await gate.observe(arm: index)
    }

    /// Sends a command through the envelope and returns what the arm applied. Throws
    /// ``SafetyGateError/emergencyStopLatched`` when the e-stop is latched (nothing was sent).
    @discardableResult
    public func send(_ command: ArmCommand) async throws -> ArmCommand {
        let outcome = try await gate.submit(command, toArm: index, source: source)
        guard outcome.delivered else { throw SafetyGateError.emergencyStopLatched }
        return outcome.applied
    }
}

/// One command that passed a ``SafetyGate``: who asked, what the arm's position was, what was requested, and what
/// the arm applied.
public struct ArmCommandRecord: Sendable, Codable, Equatable {
    /// Time on the gate's clock when the arm accepted the command, in seconds.
    public var timeSeconds: Double
    /// Index of the arm.
    public var armIndex: Int
    /// Who issued the command (`reset` for a reset routine's commands).
    public var source: ActionSource
    /// The arm's position read just before the command (`nil` for holds, which need no reading).
    public var position: [Double]?
    /// The command as requested.
    public var requested: ArmCommand
    /// The command the arm reported as applied.
    public var applied: ArmCommand
    /// What the envelope changed.
    public var interventions: [SafetyIntervention]

    /// Creates a record.
    public init(timeSeconds: Double, armIndex: Int, source: ActionSource, position: [Double]?, requested: ArmCommand,
                applied: ArmCommand, interventions: [SafetyIntervention]) {
        self.timeSeconds = timeSeconds
        self.armIndex = armIndex
        self.source = source
        self.position = position
        self.requested = requested
        self.applied = applied
        self.interventions = interventions
    }
}

/// Why a ``SafetyGate`` refused a command.
public enum SafetyGateError: Error, Equatable, CustomStringConvertible {
    /// The emergency stop is latched: nothing was sent.
    case emergencyStopLatched
    /// No arm with this index behind the gate.
    case noSuchArm(index: Int, count: Int)

    /// A message a user can act on.
    public var description: String {
        switch self {
        case .emergencyStopLatched:
            return "emergency stop is latched: no command was sent; inspect the station, then clear the e-stop"
        case .noSuchArm(let index, let count):
            return "no arm \(index): the station has \(count) arm(s), indices 0..<\(count)"
        }
    }
}
