public import Foundation
public import Enpire
import EnpireReward

/// A camera reward from a frozen ``SuccessClassifier``: the latest frame of the model's camera is a success when
/// P(success) is above the calibrated threshold.
///
/// Built on `CameraVerifierKit`: frames arrive as pixels or JPEG (decoded into a reused buffer), a missing camera,
/// a frame of another resolution or a corrupt JPEG gives an `unknown` verdict, never a success, and the latency
/// covers decoding and inference. The verdict carries one `Vote` (source `classifier:<camera>`, score P(success))
/// so it can be fused with other votes (`VoteFusion.fuse`). Stateless across frames; safe to call from any task
/// (the network sits behind the kit's lock).
public final class ClassifierReward: RewardFunction {
    /// The frozen description.
    public let model: ClassifierModel
    /// SHA-256 of the frozen sidecar (which pins the weights' hash).
    public let identity: String
    private let kit: CameraVerifierKit<SuccessClassifier>

    /// Creates a reward around a loaded classifier (see ``ClassifierModel/load(from:expectedHash:)``).
    public init(model: ClassifierModel, classifier: sending SuccessClassifier) {
        self.model = model
        identity = model.identity
        kit = CameraVerifierKit(resolution: model.input.resolution, state: classifier)
    }

    /// Loads the frozen classifier in `folder` (refusing a hash other than `expectedHash`) as a reward.
    ///
    /// - Throws: ``ClassifierError/badClassifierFile(_:)``.
    public convenience init(folder: URL, expectedHash: String? = nil) throws(ClassifierError) {
        let loaded = try ClassifierModel.load(from: folder, expectedHash: expectedHash)
        self.init(model: loaded.model, classifier: loaded.classifier)
    }

    /// The name of this reward's vote.
    public var voteSource: String { "classifier:\(model.cameraName)" }

    /// Judges the latest frame of the model's camera.
    public func evaluate(_ context: EpisodeContext) async throws -> Verdict {
        guard let frame = context.observation.frames[model.cameraName] else {
            return .unknown(RewardError.missingCamera(model.cameraName).description)
        }
        return verdict(for: frame)
    }

    /// Judges one frame (decoding included in the latency).
    public func verdict(for frame: Frame) -> Verdict {
        kit.timed {
            let probability = try kit.withPixels(of: frame) { classifier, image in
                try classifier.probability(of: image)
            }
            return verdict(probability: probability)
        }
    }

    /// The verdict for a P(success): success above the threshold; `boundary` within
    /// ``ClassifierModel/boundaryMargin`` of it, else `confirmedPass` or `likelyFail`.
    public func verdict(probability: Double) -> Verdict {
        guard probability.isFinite else { return .unknown("non-finite classifier output") }
        let success = probability > model.threshold
        let status: VerdictStatus = abs(probability - model.threshold) <= model.boundaryMargin ? .boundary
            : (success ? .confirmedPass : .likelyFail)
        return Verdict(success: success, score: probability, status: status,
                       votes: [Vote(source: voteSource, success: success, score: probability)],
                       detail: "P(success) \(String(format: "%.4f", probability)), threshold "
                           + String(format: "%.4f", model.threshold))
    }
}
