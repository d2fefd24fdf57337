public import Enpire

/// Judges Push-T from one top-down camera: done when the goal T is covered (see ``PushTFrameAnalyzer``).
///
/// Accepts decoded frames or JPEG frames (decoded into a reused buffer). A missing camera, an undecodable JPEG,
/// a frame of another resolution than calibrated, or a frame without a visible arena gives an `unknown`
/// verdict, never a success (see ``CameraVerifierKit``).
///
/// As a `RewardFunction` it judges every live frame an episode shows it, and ends an episode early only after
/// ``PushTRewardModel/confirmationFrames`` consecutive confirmed passes (``ConfirmationStreak``); the streak starts
/// again at ``beginEpisode(_:firstObservation:)``. Safe to call from any task (scratch memory and the streak sit
/// behind the kit's lock), but the streak follows one episode at a time: give each station its own reward.
public final class PushTCameraReward: RewardFunction {
    /// The frozen thresholds.
    public let model: PushTRewardModel
    /// SHA-256 of the model's frozen JSON.
    public let identity: String
    private let analyzer = PushTFrameAnalyzer()
    private let kit: CameraVerifierKit<ConfirmationStreak>

    /// Creates a reward from a model.
    public init(model: PushTRewardModel) {
        self.model = model
        self.identity = model.identity
        kit = CameraVerifierKit(resolution: model.resolution,
                                state: ConfirmationStreak(required: model.confirmationFrames))
    }

    /// Starts the confirmation streak of a new episode at zero.
    public func beginEpisode(_ episode: EpisodeMetadata, firstObservation: Observation?) async {
        resetConfirmations()
    }

    /// Starts the confirmation streak at zero (what ``beginEpisode(_:firstObservation:)`` does, for code that
    /// drives the reward synchronously).
    public func resetConfirmations() {
        kit.withState { $0.reset() }
    }

    /// Judges the live frame of ``PushTRewardModel/cameraName`` (see ``judge(_:calibration:isFinal:)``).
    public func evaluate(_ context: EpisodeContext) async throws -> Verdict {
        guard let frame = context.observation.frames[model.cameraName] else {
            _ = kit.withState { $0.record(false) }
            return .unknown(RewardError.missingCamera(model.cameraName).description)
        }
        return judge(frame, isFinal: context.isFinal)
    }

    /// Judges the next live frame of the current episode: measures it, extends or breaks the confirmation streak,
    /// and forms the verdict (``verdict(for:isFinal:confirmedFrames:)``). A frame that cannot be judged gives
    /// `unknown` and breaks the streak. Decoding is included in the latency.
    public func judge(_ frame: Frame, calibration: PushTCameraCalibration? = nil, isFinal: Bool) -> Verdict {
        kit.timed {
            let measured: PushTFrameFeatures
            do {
                measured = try features(of: frame, calibration: try resolved(calibration))
            } catch {
                _ = kit.withState { $0.record(false) }
                throw error
            }
            let confirms = confirms(measured)
            let streak = kit.withState { state -> Int in
                state.record(confirms)
                return state.count
            }
            return verdict(for: measured, isFinal: isFinal, confirmedFrames: streak)
        }
    }

    /// Forms a verdict from one frame alone, outside any episode (the streak is neither read nor changed; decode
    /// included in the latency), against `calibration` or, when nil, the model's camera calibration. This is the
    /// stored-frame path (`enpire reward eval`): on an episode's last frame (`isFinal`) the plain threshold
    /// decides; before it, one frame alone ends an episode only when the model needs a single confirmation.
    public func verdict(for frame: Frame, calibration: PushTCameraCalibration? = nil, isFinal: Bool = true) -> Verdict {
        kit.timed { verdict(for: try features(of: frame, calibration: try resolved(calibration)), isFinal: isFinal) }
    }

    private func resolved(_ calibration: PushTCameraCalibration?) throws -> PushTCameraCalibration {
        guard let calibration = calibration ?? model.camera else {
            throw RewardError.badFrame(
                "camera '\(model.cameraName)' is not calibrated; calibrate it from a frame of the goal marking")
        }
        return calibration
    }

    /// Whether measured features are a confirmed pass: an estimate above the threshold by the boundary margin.
    public func confirms(_ features: PushTFrameFeatures) -> Bool {
        features.estimatedCoverage > model.threshold + model.boundaryMargin
    }

    /// Calibrates the camera from a frame of the goal marking with the block and agent moved away from it.
    public func calibration(from frame: Frame) throws -> PushTCameraCalibration {
        try kit.withPixels(of: frame) { _, image in try analyzer.calibrate(reference: image) }
    }

    /// The goal marking's pose measured again in a frame of the scene (see
    /// ``PushTFrameAnalyzer/registerGoal(in:calibration:)``), decoding its JPEG when it carries no pixels.
    public func registeredGoal(in frame: Frame, calibration: PushTCameraCalibration) throws -> PushTImagePose {
        try kit.withPixels(of: frame) { _, image in try analyzer.registerGoal(in: image, calibration: calibration) }
    }

    /// Measures a frame (decoding its JPEG when it carries no pixels).
    public func features(of frame: Frame, calibration: PushTCameraCalibration) throws -> PushTFrameFeatures {
        let features = try kit.withPixels(of: frame) { _, image in
            try analyzer.features(of: image, calibration: calibration)
        }
        guard features.arenaFraction >= model.minimumArenaFraction else {
            throw RewardError.badFrame("arena barely visible (\(features.arenaFraction)); check exposure and view")
        }
        return features
    }

    /// The verdict the model gives for measured features, given `confirmedFrames`: how many consecutive live
    /// frames up to and including this one were confirmed passes (nil: this frame alone, 1 when it confirms).
    ///
    /// Before an episode's last frame, success needs ``PushTRewardModel/confirmationFrames`` of them; a confirming
    /// frame still short of that is a `boundary` verdict. On the last frame (`isFinal`) the plain threshold decides.
    public func verdict(for features: PushTFrameFeatures, isFinal: Bool = true, confirmedFrames: Int? = nil) -> Verdict {
        let value = features.estimatedCoverage
        guard value.isFinite else { return .unknown("non-finite measurement") }
        let confirmed = value > model.threshold + model.boundaryMargin
        let streak = confirmed ? max(confirmedFrames ?? 1, 1) : 0
        let enough = confirmed && streak >= model.confirmationFrames
        let success = enough || (isFinal && value > model.threshold)
        let status: VerdictStatus = confirmed && (enough || isFinal) ? .confirmedPass
            : (confirmed || abs(value - model.threshold) <= model.boundaryMargin ? .boundary : .likelyFail)
        let score = min(1, max(0, value))
        return Verdict(success: success, score: score, status: status,
                       votes: [Vote(source: model.cameraName, success: success, score: score)],
                       detail: "estimated coverage \(value) (threshold \(model.threshold), confirmed \(streak) of "
                           + "\(model.confirmationFrames) frames)")
    }
}
