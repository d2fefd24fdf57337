public import Enpire

/// A scriptable stand-in for a robot arm: it moves toward each target by a fixed fraction per command,
/// clamps to its specification's limits (returning the clamped command as applied), records every command,
/// and fails when told to.
public actor MockArm: RobotArm {
    /// The arm's specification.
    public nonisolated let specification: ArmSpecification
    /// Every command received by ``send(_:)``, in order.
    public private(set) var received: [ArmCommand] = []
    /// Commands applied, in order (after clamping).
    public private(set) var applied: [ArmCommand] = []
    /// Current position.
    public private(set) var position: [Double]
    /// Current velocity (position change over the last command's period).
    public private(set) var velocity: [Double]
    /// Fraction of the remaining distance covered per command (1 = reach the target at once).
    public var responsiveness: Double
    /// Whether `connect()` has been called.
    public private(set) var isConnected = false
    /// Number of `stop()` calls.
    public private(set) var stopCount = 0
    /// Number of `home()` calls.
    public private(set) var homeCount = 0
    private let home: [Double]
    private let clock: any StationClock
    private let latencySeconds: Double
    private var faultAtSend: Int?
    private var faultMessage = "injected fault"
    private var observeFault: String?

    /// Creates a mock arm at `home` (default: the middle of its limits).
    public init(specification: ArmSpecification, home: [Double]? = nil, responsiveness: Double = 1,
                latencySeconds: Double = 0, clock: any StationClock = SimulatedClock()) {
        self.specification = specification
        let middle = zip(specification.lowerLimits, specification.upperLimits).map { ($0 + $1) / 2 }
        self.home = home ?? middle
        position = home ?? middle
        velocity = [Double](repeating: 0, count: specification.dimension)
        self.responsiveness = responsiveness
        self.latencySeconds = latencySeconds
        self.clock = clock
    }

    /// A planar 2-axis arm with limits 0...1, 10 Hz: the usual fixture.
    public static func planar(name: String = "mock", clock: any StationClock = SimulatedClock()) -> MockArm {
        MockArm(specification: ArmSpecification(name: name, axisNames: ["x", "y"], lowerLimits: [0, 0],
                                                upperLimits: [1, 1], controlRateHz: 10), clock: clock)
    }

    /// Makes the `index`-th call of `send` (0-based, counting from now) throw `ArmError.fault(message)`.
    public func failSend(after index: Int, message: String = "injected fault") {
        faultAtSend = received.count + index
        faultMessage = message
    }

    /// Makes every `observe` throw until cleared with `nil`.
    public func failObserve(_ message: String?) {
        observeFault = message
    }

    /// Marks the arm connected.
    public func connect() async throws {
        isConnected = true
    }

    /// The current position and velocity.
    public func observe() async throws -> RobotState {
        if let observeFault { throw ArmError.fault(observeFault) }
        return RobotState(position: position, velocity: velocity, timestampSeconds: clock.now())
    }

    /// Records the command, applies the configured latency, clamps to the limits and moves.
    public func send(_ command: ArmCommand) async throws -> ArmCommand {
        received.append(command)
        if let faultAtSend, received.count - 1 == faultAtSend {
            self.faultAtSend = nil
            throw ArmError.fault(faultMessage)
        }
        if latencySeconds > 0 { try await clock.sleep(untilSeconds: clock.now() + latencySeconds) }
        let result: ArmCommand
        switch command.mode {
        case .hold:
            velocity = velocity.map { _ in 0 }
            result = ArmCommand(mode: .hold, target: position, gripper: command.gripper)
        case .position:
            guard command.target.count == specification.dimension else {
                throw ArmError.wrongDimension(expected: specification.dimension, got: command.target.count)
            }
            let target = command.target.enumerated().map { axis, value in
                min(max(value, specification.lowerLimits[axis]), specification.upperLimits[axis])
            }
            let next = zip(position, target).map { $0 + responsiveness * ($1 - $0) }
            velocity = zip(next, position).map { ($0 - $1) / specification.controlPeriodSeconds }
            position = next
            result = ArmCommand(mode: .position, target: target, gripper: command.gripper)
        }
        applied.append(result)
        return result
    }

    /// Returns to the home position.
    public func home() async throws {
        homeCount += 1
        position = home
        velocity = velocity.map { _ in 0 }
    }

    /// Stops motion.
    public func stop() async throws {
        stopCount += 1
        velocity = velocity.map { _ in 0 }
    }
}
