public import Enpire

/// The parts of a simulated pin-insertion station, composed the way a lab would: one world, the hand arm,
/// the ground-truth reward, the robot-driven reset and the scripted expert.
public struct PinInsertionStation: Sendable {
    /// The shared scene (also the station's feature source).
    public let world: PinInsertionWorld
    /// The hand.
    public let arm: PinInsertionArm
    /// Ground-truth reward.
    public let reward: PinInsertionReward
    /// Extraction, re-randomisation and start-pose reset.
    public let reset: PinInsertionReset
    /// The clock every part stamps time with.
    public let clock: SimulatedClock

    /// Builds the parts over a fresh world (living in `reality`) and simulated clock.
    public init(clock: SimulatedClock = SimulatedClock(), reality: TaskReality = PinInsertionReality.clean) {
        let world = PinInsertionWorld(reality: reality)
        self.world = world
        self.clock = clock
        arm = PinInsertionArm(world: world, clock: clock)
        reward = PinInsertionReward(world: world)
        reset = PinInsertionReset(world: world)
    }

    /// A ready `Station` over these parts.
    public func makeStation(name: String = "pin-insertion-sim", recorder: (any EpisodeRecorder)? = nil) throws
        -> Station {
        try Station(configuration: .init(name: name, task: "pin-insertion"), arms: [arm], reward: reward,
                    reset: reset, recorder: recorder, featureSources: [world], clock: clock)
    }

    /// A context for running ``reset`` directly, without a station: the hand behind a new `SafetyGate` with its
    /// own limits, so the reset's commands pass an envelope as they would in a station.
    public func resetContext(seed: UInt64) throws -> ResetContext {
        try ResetContext(arms: [arm], cameras: [], seed: seed, clock: clock)
    }
}
