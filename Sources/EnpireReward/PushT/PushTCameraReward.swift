public import Enpire

/// Judges Push-T from one top-down camera: done when the goal T is covered (see ``PushTFrameAnalyzer``).
///
/// Accepts decoded frames or JPEG frames (decoded into a reused buffer). A missing camera, an undecodable JPEG,
/// a frame of another resolution than calibrated, or a frame without a visible arena gives an `unknown`
/// verdict, never a success (see ``CameraVerifierKit``). Safe to share: per-frame scratch memory sits behind the
/// kit's lock.
public final class PushTCameraReward: RewardFunction {
    /// The frozen thresholds.
    public let model: PushTRewardModel
    /// SHA-256 of the model's frozen JSON.
    public let identity: String
    private let analyzer = PushTFrameAnalyzer()
    private let kit: CameraVerifierKit<Void>

    /// Creates a reward from a model.
    public init(model: PushTRewardModel) {
        self.model = model
        self.identity = model.identity
        kit = CameraVerifierKit(resolution: model.resolution, state: ())
    }

    /// Forms a verdict from the frame of ``PushTRewardModel/cameraName``.
    public func evaluate(_ context: EpisodeContext) async throws -> Verdict {
        guard let frame = context.observation.frames[model.cameraName] else {
            return .unknown(RewardError.missingCamera(model.cameraName).description)
        }
        return verdict(for: frame, isFinal: context.isFinal)
    }

    /// Forms a verdict from one frame synchronously (decode included in the latency), against `calibration` or,
    /// when nil, the model's camera calibration. Before an episode's last frame (`isFinal` false) success needs a
    /// confirmed pass (see ``PushTRewardModel/boundaryMargin``).
    public func verdict(for frame: Frame, calibration: PushTCameraCalibration? = nil, isFinal: Bool = true) -> Verdict {
        kit.timed {
            guard let calibration = calibration ?? model.camera else {
                throw RewardError.badFrame(
                    "camera '\(model.cameraName)' is not calibrated; calibrate it from a frame of the goal marking")
            }
            return verdict(for: try features(of: frame, calibration: calibration), isFinal: isFinal)
        }
    }

    /// Calibrates the camera from a frame of the goal marking with the block and agent moved away from it.
    public func calibration(from frame: Frame) throws -> PushTCameraCalibration {
        try kit.withPixels(of: frame) { _, image in try analyzer.calibrate(reference: image) }
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

    /// The verdict the model gives for measured features (on an episode's last frame when `isFinal`).
    public func verdict(for features: PushTFrameFeatures, isFinal: Bool = true) -> Verdict {
        let value = features.estimatedCoverage
        guard value.isFinite else { return .unknown("non-finite measurement") }
        let confirmed = value > model.threshold + model.boundaryMargin
        let success = confirmed || (isFinal && value > model.threshold)
        let status: VerdictStatus = confirmed ? .confirmedPass
            : (abs(value - model.threshold) <= model.boundaryMargin ? .boundary : .likelyFail)
        let score = min(1, max(0, value))
        return Verdict(success: success, score: score, status: status,
                       votes: [Vote(source: model.cameraName, success: success, score: score)],
                       detail: "estimated coverage \(value) (threshold \(model.threshold))")
    }
}
