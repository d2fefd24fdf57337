public import Enpire
public import EnpireSim

/// A simulated Push-T station composed exactly as a lab composes a hardware one: an arm, a reward, a reset,
/// safety envelopes and feature sources around a ``Station``; only the arm and the clock are simulated.
public struct PushTSimulatedStation: Sendable {
    /// The station.
    public let station: Station
    /// The simulated scene behind the arm.
    public let world: PushTWorld
    /// The simulated clock (robot time).
    public let clock: SimulatedClock

    /// Builds a station named `name` with gym-pusht's reward rule and seeded starts, and one top-down camera
    /// per entry of `cameraResolutions` (named `top`, `top2`, ...), rendering with `cameraNoise`.
    /// With `robotReset`, every episode starts with ``PushTRobotReset`` (the pusher puts the T back, verified)
    /// instead of placing gym-pusht's start state directly.
    public init(name: String, recorder: (any EpisodeRecorder)? = nil, cameraResolutions: [ImageSize] = [],
                cameraNoise: CameraNoise = .none, robotReset: Bool = false) throws {
        let clock = SimulatedClock()
        let world = PushTWorld()
        let arm = PushTPusherArm(world: world, clock: clock)
        let cameras: [any Camera] = try cameraResolutions.enumerated().map { index, size in
            try PushTCamera(name: index == 0 ? "top" : "top\(index + 1)", resolution: size, noise: cameraNoise,
                            clock: clock, state: { await world.state })
        }
        // The pusher's targets stay on the 512 x 512 table; gym-pusht itself never clips, a station does.
        let safety = try SafetyEnvelope(specification: arm.specification)
        station = try Station(configuration: .init(name: name, task: "pusht"), arms: [arm], cameras: cameras,
                              safety: [safety], reward: PushTCoverageReward(world: world),
                              reset: robotReset ? PushTRobotReset(world: world) : PushTTeleportReset(world: world),
                              recorder: recorder,
                              featureSources: [world], clock: clock)
        self.world = world
        self.clock = clock
    }

    /// Runs one gym-pusht episode (at most 300 control steps, ending at success) from `seed`'s start state.
    public func runEpisode(policy: any Policy, seed: UInt64, tags: [String: String] = [:]) async throws
        -> RecordedEpisode {
        try await station.runEpisode(policy: policy, seed: seed, maxSteps: PushTGeometry.maxEpisodeSteps,
                                     stopOnSuccess: true, tags: tags)
    }
}
