public import Enpire

/// The pin-insertion hand as a `RobotArm`: target x, y (mm) and angle (rad) at 20 Hz; each command advances
/// the simulation by one control period. The state's `force` is the contact force on the pin in newtons.
public actor PinInsertionArm: RobotArm {
    private let world: PinInsertionWorld
    private let clock: any StationClock

    /// The hand's command space: x in [−100, 100] mm, y in [−40, 150] mm, angle in [−0.5, 0.5] rad, 20 Hz.
    public nonisolated let specification = ArmSpecification(
        name: "hand", axisNames: ["x", "y", "angle"], lowerLimits: PinInsertionGeometry.lowerLimits,
        upperLimits: PinInsertionGeometry.upperLimits, controlRateHz: PinInsertionGeometry.controlRateHz,
        hasGripper: true)

    /// Creates the arm over a world; `clock` stamps states.
    public init(world: PinInsertionWorld, clock: any StationClock) {
        self.world = world
        self.clock = clock
    }

    /// Hand pose, velocity and the pin's contact force; the gripper stays closed on the pin.
    public func observe() async throws -> RobotState {
        let state = await world.state
        return RobotState(position: state.hand, velocity: state.handVelocity, gripper: 0, force: state.force,
                          timestampSeconds: clock.now())
    }

    /// Steps one control period toward the target; NaN or infinite targets are refused with
    /// ``SimulatedTaskError/nonFiniteCommand(task:values:)`` and the arm does not move.
    public func send(_ command: ArmCommand) async throws -> ArmCommand {
        switch command.mode {
        case .position:
            guard command.target.count == 3 else {
                throw ArmError.wrongDimension(expected: 3, got: command.target.count)
            }
            try await world.step(target: command.target)
            return ArmCommand(mode: .position, target: command.target, gripper: 0)
        case .hold:
            let hand = await world.state.hand
            try await world.step(target: hand)
            return ArmCommand(mode: .hold, target: hand, gripper: 0)
        }
    }

    /// Homing holds in place: the reset routine, not the arm, knows a safe way out of the hole.
    public func home() async throws {
        _ = try await send(.hold)
    }

    /// Stops by holding in place.
    public func stop() async throws {
        _ = try await send(.hold)
    }
}
