public import Enpire
import Foundation

/// Judges pin insertion from the side camera and the arm's own readings, never from the simulator's state:
/// votes `alignment` (pin axis against hole axis, measured in the frame: tip offset within the clearance and
/// angle within tolerance), `height` (insertion depth from the arm's reported hand pose minus the hole mouth
/// measured in the frame) and `force` (the arm's force estimate within the bound for the last N steps), fused by
/// AND.
///
/// A missing camera, an undecodable or wrongly sized frame, a frame in which the fixture cannot be measured, or a
/// missing hand pose gives an `unknown` verdict, never a success. As a `RewardFunction` it counts the
/// low-force streak from every observation it is shown (a station evaluates every step) and starts it again at
/// ``beginEpisode(_:firstObservation:)``. Safe to call from any task (state and scratch memory sit behind the
/// ``CameraVerifierKit``'s lock), but its streak follows one episode at a time: give each station its own verifier.
public final class PinInsertionCameraVerifier: RewardFunction {
    /// The fixture, camera and thresholds.
    public let model: PinInsertionVerifierModel
    /// Identity including every number of the model.
    public let identity: String
    private let kit: CameraVerifierKit<State>

    private struct State {
        let analyzer: PinInsertionFrameAnalyzer
        var streak: LowForceStreak
    }

    /// Creates a verifier.
    public init(model: PinInsertionVerifierModel = PinInsertionVerifierModel()) {
        self.model = model
        identity = model.identity
        kit = CameraVerifierKit(resolution: model.resolution, state: State(
            analyzer: PinInsertionFrameAnalyzer(model: model), streak: LowForceStreak(bound: model.forceBound)))
    }

    /// Starts the low-force streak of a new episode at zero.
    public func beginEpisode(_ episode: EpisodeMetadata, firstObservation: Observation?) async {
        kit.withState { $0.streak.reset() }
    }

    /// Updates the low-force streak from the observation's first arm and judges its side-camera frame.
    public func evaluate(_ context: EpisodeContext) async throws -> Verdict {
        let observation = context.observation
        let arm = observation.arms.first
        let streak = kit.withState { state -> Int in
            state.streak.record(arm?.force)
            return state.streak.count
        }
        return kit.timed {
            let frame = try kit.frame(of: model.cameraName, in: observation.frames)
            guard let hand = arm?.position else {
                return .unknown("no arm state: the hand pose is needed for the height vote")
            }
            return try judge(frame: frame, handPose: hand, lowForceStreak: streak)
        }
    }

    /// The verdict for one frame, the arm's hand pose [x, y, angle] (mm, rad) and its low-force streak (see
    /// ``LowForceStreak``); decoding and measuring are included in the latency.
    public func verdict(frame: Frame, handPose: [Double], lowForceStreak: Int) -> Verdict {
        kit.timed { try judge(frame: frame, handPose: handPose, lowForceStreak: lowForceStreak) }
    }

    private func judge(frame: Frame, handPose: [Double], lowForceStreak: Int) throws -> Verdict {
        verdict(measurement: try measure(frame), handPose: handPose, lowForceStreak: lowForceStreak)
    }

    /// Measures one frame (decoding its JPEG when it carries no pixels).
    ///
    /// - Throws: ``RewardError/badFrame(_:)`` for an unreadable, wrongly sized or unmeasurable frame.
    public func measure(_ frame: Frame) throws -> PinInsertionMeasurement {
        try kit.withPixels(of: frame) { state, image in try state.analyzer.measure(image) }
    }

    /// The verdict for a measurement, a hand pose and a low-force streak (pure: no camera, no state).
    public func verdict(measurement m: PinInsertionMeasurement, handPose: [Double], lowForceStreak: Int) -> Verdict {
        guard handPose.count == 3, handPose.allSatisfy(\.isFinite) else {
            return .unknown("hand pose \(handPose) is not [x, y, angle]")
        }
        let depth = m.depth(handPose: handPose, handToTip: model.handToTip)
        let lateral = m.lateralOffset(atDepth: depth)
        let angle = m.angleError
        guard depth.isFinite, lateral.isFinite, angle.isFinite else { return .unknown("non-finite measurement") }
        let inserted = depth >= model.successDepth
        let aligned = abs(lateral) <= model.lateralTolerance && abs(angle) <= model.angleTolerance
        let settled = lowForceStreak >= model.settledSteps
        let depthScore = min(max(depth / model.successDepth, 0), 1)
        let alignmentScore = max(0, 1 - abs(lateral) / model.lateralTolerance)
        let votes = [
            Vote(source: "alignment", success: aligned, score: alignmentScore),
            Vote(source: "height", success: inserted, score: depthScore),
            Vote(source: "force", success: settled,
                 score: min(Double(lowForceStreak) / Double(max(model.settledSteps, 1)), 1)),
        ]
        var fused = VoteFusion.fuse(votes, rule: .all, expectedSources: ["alignment", "height", "force"])
        let share = model.boundaryShare
        let nearThreshold = abs(depth - model.successDepth) <= share * model.successDepth
            || abs(abs(lateral) - model.lateralTolerance) <= share * model.lateralTolerance
            || abs(abs(angle) - model.angleTolerance) <= share * model.angleTolerance
        if nearThreshold { fused.status = .boundary }
        fused.score = fused.success ? 1 : 0.99 * depthScore
        fused.detail = String(format: "depth %.2f mm, lateral %.3f mm, angle %.4f rad, low-force streak %d",
                              depth, lateral, angle, lowForceStreak)
        return fused
    }
}
