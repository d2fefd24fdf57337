public import Enpire

/// The Push-T pusher as a `RobotArm`: a position target in pixels, 10 Hz; each command advances the
/// simulation by one control period, as gym-pusht's `step` does.
public actor PushTPusherArm: RobotArm {
    private let world: PushTWorld
    private let clock: any StationClock

    /// The pusher's command space: x, y in [0, 512] pixels at 10 Hz.
    public nonisolated let specification = ArmSpecification(
        name: "pusher", axisNames: ["x", "y"], lowerLimits: [0, 0],
        upperLimits: [PushTGeometry.worldSize, PushTGeometry.worldSize],
        controlRateHz: PushTGeometry.controlRateHz)

    /// Creates the arm over a world; `clock` stamps states (a `SimulatedClock` for simulated stations).
    public init(world: PushTWorld, clock: any StationClock) {
        self.world = world
        self.clock = clock
    }

    /// The agent's position and velocity.
    public func observe() async throws -> RobotState {
        let state = await world.state
        let velocity = await world.agentVelocity
        return RobotState(position: [state.agentX, state.agentY], velocity: [velocity.x, velocity.y],
                          timestampSeconds: clock.now())
    }

    /// Steps the simulation one control period toward the target; a hold targets the current position.
    public func send(_ command: ArmCommand) async throws -> ArmCommand {
        let state = await world.state
        switch command.mode {
        case .position:
            guard command.target.count == 2 else {
                throw ArmError.wrongDimension(expected: 2, got: command.target.count)
            }
            try await world.step(target: (command.target[0], command.target[1]))
            return command
        case .hold:
            try await world.step(target: (state.agentX, state.agentY))
            return ArmCommand(mode: .hold, target: [state.agentX, state.agentY])
        }
    }

    /// Gym-pusht has no home pose for the agent; homing holds in place for one period.
    public func home() async throws {
        _ = try await send(.hold)
    }

    /// Stops by holding in place.
    public func stop() async throws {
        _ = try await send(.hold)
    }
}
