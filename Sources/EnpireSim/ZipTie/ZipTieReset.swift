public import Enpire
import EnpireReset

/// Replaces the tie with a fresh one for the seed and re-homes both arms: a reset that needs a person.
///
/// A cut tie cannot be re-tied by the robot: on hardware a person or a feeder fixture installs a new tie. The
/// routine is an `EnpireReset.EscalatingReset` with one `OperatorStep` (``operatorInstruction``; in simulation the
/// world installs the seed's tie, standing in for the person), so every outcome says so in its
/// `operatorAction`. Verification checks the new tie is uncut, at the seed's anchor and both arms at their start
/// poses (from the simulator's state: privileged, as a simulated station may).
public struct ZipTieReset: ResetRoutine {
    private let world: ZipTieWorld

    /// What the person is asked to do.
    public static let operatorInstruction =
        "replace the cut zip tie with a new one in the anchor clamp and return both arms to their start poses"

    /// Creates the reset over a world.
    public init(world: ZipTieWorld) {
        self.world = world
    }

    /// `"ziptie.replace-tie/v1"`.
    public var identity: String { "ziptie.replace-tie/v1" }

    /// Has the tie replaced (the simulated operator) and verifies the scene.
    public func reset(_ context: ResetContext) async throws -> ResetOutcome {
        let world = self.world
        let replace = OperatorStep(name: "replace-tie", instruction: Self.operatorInstruction) { context, _ in
            await world.reset(seed: context.seed)
        }
        // Ten minutes of station time for the person; the simulated stand-in takes none.
        let ladder = try EscalatingReset(name: "ziptie.replace-tie", stages: [.init(replace, attempts: 1)],
                                         verifier: ZipTieStartVerifier(world: world), timeBudgetSeconds: 600)
        return try await ladder.reset(context)
    }
}

/// Checks the zip-tie start scene from the simulator's state: a new, uncut tie at the seed's anchor and both
/// arms at their start poses.
struct ZipTieStartVerifier: ResetVerifier {
    let world: ZipTieWorld

    var identity: String { "ziptie.start-scene.ground-truth" }

    func verify(_ context: ResetContext) async throws -> ResetVerification {
        let s = await world.state
        let verified = !s.cut && s.anchor == ZipTieSimulation.anchorPose(seed: context.seed)
            && s.leftHand == ZipTieGeometry.leftStart && s.cutter == ZipTieGeometry.rightStart
        return verified ? .pass() : .fail("the new tie or the arms are not at the start state")
    }
}
