public import Enpire
import Synchronization

/// Judges Push-T from one top-down camera: done when the goal T is covered (see ``PushTFrameAnalyzer``).
///
/// Accepts decoded frames or JPEG frames (decoded into a reused buffer). A missing camera, an undecodable JPEG,
/// a frame of another resolution than calibrated, or a frame without a visible arena gives an `unknown`
/// verdict, never a success. Safe to share: per-frame scratch memory sits behind a lock.
public final class PushTCameraReward: RewardFunction {
    /// The frozen thresholds.
    public let model: PushTRewardModel
    /// SHA-256 of the model's frozen JSON.
    public let identity: String
    private let analyzer = PushTFrameAnalyzer()
    private let scratch: Mutex<Scratch>

    private final class Scratch {
        var codec: JPEGCodec?
        var image = RGBImage(size: ImageSize(width: 0, height: 0), pixels: [])
    }

    /// Creates a reward from a model.
    public init(model: PushTRewardModel) {
        self.model = model
        self.identity = model.identity
        self.scratch = Mutex(Scratch())
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
        let start = ContinuousClock.now
        var result: Verdict
        do {
            guard let calibration = calibration ?? model.camera else {
                throw RewardError.badFrame(
                    "camera '\(model.cameraName)' is not calibrated; calibrate it from a frame of the goal marking")
            }
            let features = try features(of: frame, calibration: calibration)
            result = verdict(for: features, isFinal: isFinal)
        } catch let error as RewardError {
            result = .unknown(error.description)
        } catch {
            result = .unknown("\(error)")
        }
        let elapsed = ContinuousClock.now - start
        result.latencySeconds = elapsed.inSeconds
        return result
    }

    /// Calibrates the camera from a frame of the goal marking with the block and agent moved away from it.
    public func calibration(from frame: Frame) throws -> PushTCameraCalibration {
        try withImage(of: frame) { image throws(RewardError) in try analyzer.calibrate(reference: image) }
    }

    /// Measures a frame (decoding its JPEG when it carries no pixels).
    public func features(of frame: Frame, calibration: PushTCameraCalibration) throws -> PushTFrameFeatures {
        let features = try withImage(of: frame) { image throws(RewardError) in
            try analyzer.features(of: image, calibration: calibration)
        }
        guard features.arenaFraction >= model.minimumArenaFraction else {
            throw RewardError.badFrame("arena barely visible (\(features.arenaFraction)); check exposure and view")
        }
        return features
    }

    private func withImage<T>(of frame: Frame, _ body: (RGBImage) throws(RewardError) -> T) throws -> T {
        try scratch.withLock { scratch throws -> T in
            if let image = frame.image {
                return try body(try checked(image))
            }
            guard let jpeg = frame.jpeg else {
                throw RewardError.badFrame("frame from '\(frame.cameraName)' has neither pixels nor JPEG bytes")
            }
            if scratch.codec == nil {
                do { scratch.codec = try JPEGCodec() } catch {
                    throw RewardError.badFrame("\(error)")
                }
            }
            do {
                // The header's size is checked against the calibrated resolution before pixels are allocated.
                try scratch.codec?.decode(jpeg, into: &scratch.image, expected: model.resolution)
            } catch {
                throw RewardError.badFrame("\(error)")
            }
            return try body(try checked(scratch.image))
        }
    }

    private func checked(_ image: RGBImage) throws(RewardError) -> RGBImage {
        guard image.size == model.resolution else {
            throw .badFrame(
                "frame is \(image.size) but the reward was calibrated at \(model.resolution); recalibrate for this camera")
        }
        guard image.isConsistent else { throw .badFrame("frame holds \(image.pixels.count) bytes, not \(image.size) × 3") }
        return image
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
