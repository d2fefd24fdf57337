public import Enpire

/// The parts of a simulated bimanual zip-tie station: one world, the left arm and the cutter, the ground-truth
/// reward and the tie-replacing reset.
public struct ZipTieStation: Sendable {
    /// The shared scene (also the station's feature source).
    public let world: ZipTieWorld
    /// The left arm (grasps and tensions the free end).
    public let left: ZipTieArm
    /// The right arm carrying the cutter.
    public let cutter: ZipTieArm
    /// Ground-truth reward.
    public let reward: ZipTieReward
    /// Tie-replacing reset.
    public let reset: ZipTieReset
    /// The clock every part stamps time with.
    public let clock: SimulatedClock

    /// Builds the parts over a fresh world (living in `reality`) and simulated clock.
    public init(clock: SimulatedClock = SimulatedClock(), reality: TaskReality = ZipTieReality.clean) {
        let world = ZipTieWorld(reality: reality)
        self.world = world
        self.clock = clock
        left = ZipTieArm(world: world, side: .left, clock: clock)
        cutter = ZipTieArm(world: world, side: .right, clock: clock)
        reward = ZipTieReward(world: world)
        reset = ZipTieReset(world: world)
    }

    /// A ready `Station` with the arms in the order [left, cutter] (the order the world expects).
    public func makeStation(name: String = "ziptie-sim", recorder: (any EpisodeRecorder)? = nil) throws -> Station {
        try Station(configuration: .init(name: name, task: "ziptie"), arms: [left, cutter], reward: reward,
                    reset: reset, recorder: recorder, featureSources: [world], clock: clock)
    }

    /// A context for running ``reset`` directly: both arms behind a new `SafetyGate` with their own limits.
    public func resetContext(seed: UInt64) throws -> ResetContext {
        try ResetContext(arms: [left, cutter], cameras: [], seed: seed, clock: clock)
    }
}
