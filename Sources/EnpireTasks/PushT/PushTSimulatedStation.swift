public import Enpire
public import EnpireReward
public import EnpireSim

/// A simulated Push-T station composed exactly as a lab composes a hardware one: an arm, a reward, a reset,
/// safety envelopes and feature sources around a `Station`; only the arm and the clock are simulated.
public struct PushTSimulatedStation: Sendable {
    /// The station.
    public let station: Station
    /// The simulated scene behind the arm.
    public let world: PushTWorld
    /// The simulated clock (robot time).
    public let clock: SimulatedClock
    /// The camera reward judging this station, when it is judged by camera (nil: gym-pusht's ground truth).
    public let cameraReward: PushTCameraReward?

    /// Builds a station named `name` with gym-pusht's reward rule and seeded starts, and one top-down camera
    /// per entry of `cameraResolutions` (named `top`, `top2`, ...), rendering with `cameraNoise`.
    /// With `robotReset`, every episode starts with `PushTRobotReset` (the pusher puts the T back, verified)
    /// instead of placing gym-pusht's start state directly.
    ///
    /// With `cameraReward`, the station is judged as a hardware one is: a 640x480 top camera named after the
    /// model's camera (realistic pose, lighting and sensor noise drawn from `judgeCameraSeed`) is calibrated from
    /// a frame of the goal marking with the block parked away, and `PushTCameraReward` with `cameraReward`'s
    /// thresholds decides success from its frames; the simulator's coverage is not consulted. The other cameras
    /// then take the following names.
    ///
    /// With `cameraTrigger`, the cameras of `cameraResolutions` take a frame only while it returns true (see
    /// `TriggeredCamera`): a policy that needs a picture only at its decision points asks for one, and the station
    /// spends no rendering on the other steps.
    ///
    /// With a `reality` that is not clean, every seeded episode draws its departures from gym-pusht from it
    /// (friction, mass, pusher lag, gain, latency and noise, and a camera moved, zoomed and exposed differently
    /// from its calibration): a simulated stand-in for a real station. Clean or nil keeps gym-pusht exactly.
    public init(name: String, recorder: (any EpisodeRecorder)? = nil, cameraResolutions: [ImageSize] = [],
                cameraNoise: CameraNoise = .none, robotReset: Bool = false, cameraReward: PushTRewardModel? = nil,
                judgeCameraSeed: UInt64 = 0, cameraTrigger: (@Sendable () async -> Bool)? = nil,
                reality: PushTReality? = nil) throws {
        let clock = SimulatedClock()
        let world = PushTWorld(reality: reality)
        let perturbed = !(reality?.isClean ?? true)
        func makeCamera(_ name: String, _ size: ImageSize, _ noise: CameraNoise) throws -> any Camera {
            perturbed
                ? try PushTRealityCamera(name: name, resolution: size, noise: noise, world: world, clock: clock)
                : try PushTCamera(name: name, resolution: size, noise: noise, clock: clock, state: { await world.state })
        }
        let arm = PushTPusherArm(world: world, clock: clock)
        var cameras: [any Camera] = []
        var reward: any RewardFunction = PushTCoverageReward(world: world)
        var judge: PushTCameraReward?
        if var model = cameraReward {
            let size = model.resolution
            let noise = CameraNoise.realistic(seed: judgeCameraSeed)
            var renderer = try PushTRenderer(outputSize: size, noise: noise)
            let reference = renderer.render(PushTLabelledFrames.referenceState, frameIndex: 0)
            model.camera = try PushTCameraReward(model: model)
                .calibration(from: Frame(cameraName: model.cameraName, timestampSeconds: 0, image: reference))
            let camera = PushTCameraReward(model: model)
            judge = camera
            reward = camera
            cameras.append(try makeCamera(model.cameraName, size, noise))
        }
        for size in cameraResolutions {
            let index = cameras.count
            let made = try makeCamera(index == 0 ? "top" : "top\(index + 1)", size, cameraNoise)
            cameras.append(cameraTrigger.map { TriggeredCamera(made, when: $0) } ?? made)
        }
        // The pusher's targets stay on the 512 x 512 table; gym-pusht itself never clips, a station does.
        let safety = try SafetyEnvelope(specification: arm.specification)
        station = try Station(configuration: .init(name: name, task: "pusht"), arms: [arm], cameras: cameras,
                              safety: [safety], reward: reward,
                              reset: robotReset ? PushTRobotReset(world: world) : PushTTeleportReset(world: world),
                              recorder: recorder,
                              featureSources: [world], clock: clock)
        self.world = world
        self.clock = clock
        self.cameraReward = judge
    }

    /// Runs one gym-pusht episode (at most 300 control steps, ending at success) from `seed`'s start state.
    public func runEpisode(policy: any Policy, seed: UInt64, tags: [String: String] = [:]) async throws
        -> RecordedEpisode {
        try await station.runEpisode(policy: policy, seed: seed, maxSteps: PushTGeometry.maxEpisodeSteps,
                                     stopOnSuccess: true, tags: tags)
    }
}
