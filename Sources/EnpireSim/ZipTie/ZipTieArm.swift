public import Enpire

/// One arm of the zip-tie station: the left gripper (x, y; gripper closes on the free end) or the right cutter
/// (x, y, angle; gripper value closes the jaws). Commands of both arms make one control period.
public actor ZipTieArm: RobotArm {
    private let world: ZipTieWorld
    private let side: ZipTieWorld.Side
    private let clock: any StationClock
    /// The arm's command space.
    public nonisolated let specification: ArmSpecification

    /// Creates the left or right arm over a world.
    public init(world: ZipTieWorld, side: ZipTieWorld.Side, clock: any StationClock) {
        self.world = world
        self.side = side
        self.clock = clock
        let g = ZipTieGeometry.self
        switch side {
        case .left:
            specification = ArmSpecification(name: "left", axisNames: ["x", "y"], lowerLimits: [g.lowerLimit, g.lowerLimit],
                                             upperLimits: [g.upperLimit, g.upperLimit], controlRateHz: g.controlRateHz,
                                             hasGripper: true)
        case .right:
            specification = ArmSpecification(name: "cutter", axisNames: ["x", "y", "angle"],
                                             lowerLimits: [g.lowerLimit, g.lowerLimit, -Double.pi],
                                             upperLimits: [g.upperLimit, g.upperLimit, Double.pi],
                                             controlRateHz: g.controlRateHz, hasGripper: true)
        }
    }

    /// Position and gripper (or jaw) opening; the left arm's `force` is its grasp force [N] on the free end.
    public func observe() async throws -> RobotState {
        let s = await world.state
        switch side {
        case .left:
            // The gripper's force sensor reads the pull on the free end (0 when it holds nothing).
            return RobotState(position: s.leftHand, velocity: [0, 0], gripper: s.leftGripper, force: [s.tension],
                              timestampSeconds: clock.now())
        case .right:
            return RobotState(position: s.cutter, velocity: [0, 0, 0], gripper: s.jawOpening,
                              timestampSeconds: clock.now())
        }
    }

    /// Submits the command for this period; NaN values are refused with ``SimulatedTaskError``.
    public func send(_ command: ArmCommand) async throws -> ArmCommand {
        let s = await world.state
        let current = side == .left ? s.leftHand : s.cutter
        let opening = side == .left ? s.leftGripper : s.jawOpening
        switch command.mode {
        case .position:
            guard command.target.count == current.count else {
                throw ArmError.wrongDimension(expected: current.count, got: command.target.count)
            }
            let gripper = command.gripper ?? opening
            try await world.submit(side, target: command.target, gripper: gripper)
            return ArmCommand(mode: .position, target: command.target, gripper: gripper)
        case .hold:
            try await world.submit(side, target: current, gripper: opening)
            return ArmCommand(mode: .hold, target: current, gripper: opening)
        }
    }

    /// Homing holds in place (the reset replaces the tie and re-homes both arms).
    public func home() async throws {
        _ = try await send(.hold)
    }

    /// Stops by holding in place.
    public func stop() async throws {
        _ = try await send(.hold)
    }
}
