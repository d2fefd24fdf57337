public import Enpire

/// Replaces the tie with a fresh one for the seed and re-homes both arms.
///
/// A cut tie cannot be re-tied by the robot: on hardware a person or a feeder fixture installs a new tie, which
/// this reset stands for. Verification checks the new tie is uncut, at the seed's anchor and both arms at
/// their start poses.
public struct ZipTieReset: ResetRoutine {
    private let world: ZipTieWorld

    /// Creates the reset over a world.
    public init(world: ZipTieWorld) {
        self.world = world
    }

    /// `"ziptie.replace-tie/v1"`.
    public var identity: String { "ziptie.replace-tie/v1" }

    /// Installs the seed's tie and verifies the scene.
    public func reset(_ context: ResetContext) async throws -> ResetOutcome {
        await world.reset(seed: context.seed)
        let s = await world.state
        let verified = !s.cut && s.anchor == ZipTieSimulation.anchorPose(seed: context.seed)
            && s.leftHand == ZipTieGeometry.leftStart && s.cutter == ZipTieGeometry.rightStart
        return ResetOutcome(verified: verified, attempts: 1, elapsedSeconds: 0,
                            reason: verified ? nil : "the new tie or the arms are not at the start state",
                            strategy: "replace-tie")
    }
}
