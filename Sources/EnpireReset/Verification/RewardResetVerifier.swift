public import Enpire

/// Verifies a reset from the cameras with a reward-style detector: the scene passes when a
/// `RewardFunction` that recognises the start state reports success on a fresh observation.
///
/// The detector is any `RewardFunction` whose `success` means "the scene is in a valid start state"
/// (for example a classifier trained on photos of the reset scene). Camera frames that fail to arrive are
/// left out; a detector with nothing to look at should report `unknown`, which does not pass.
public struct RewardResetVerifier: ResetVerifier {
    private let detector: any RewardFunction

    /// Creates a verifier over `detector`.
    public init(detector: any RewardFunction) {
        self.detector = detector
    }

    /// `"reward:<detector identity>"`.
    public var identity: String { "reward:\(detector.identity)" }

    /// Observes arms and cameras once and asks the detector.
    public func verify(_ context: ResetContext) async throws -> ResetVerification {
        var states: [RobotState] = []
        for arm in context.arms { states.append(try await arm.observe()) }
        var frames: [String: Frame] = [:]
        for camera in context.cameras {
            if let frame = try? await camera.latestFrame() { frames[camera.name] = frame }
        }
        let observation = Observation(stepIndex: 0, elapsedSeconds: 0, arms: states, frames: frames, features: [:])
        let verdict = try await detector.evaluate(EpisodeContext(observation: observation, isFinal: true))
        if verdict.success && verdict.status != .unknown {
            return .pass(errors: ["score": verdict.score])
        }
        return .fail("start-state detector \(detector.identity) reported \(verdict.status.rawValue) "
                     + "(score \(verdict.score))", errors: ["score": verdict.score])
    }
}
