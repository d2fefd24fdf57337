public import Foundation
public import Enpire
import EnpireReward
import Synchronization

/// A camera reward from a frozen ``SuccessClassifier``: the latest frame of the model's camera is a success when
/// P(success) is above the calibrated threshold.
///
/// Built on `CameraVerifierKit`: frames arrive as pixels or JPEG (decoded into a reused buffer), a missing camera,
/// a frame of another resolution or a corrupt JPEG gives an `unknown` verdict, never a success, and the latency
/// covers decoding and inference. The verdict carries one `Vote` (source `classifier:<camera>`, score P(success))
/// so it can be fused with other votes (`VoteFusion.fuse`). Safe to call from any task (the network sits behind
/// the kit's lock).
///
/// With ``confirmations`` k > 1, a live episode's success before its last frame needs k consecutive frames above
/// the threshold (a confirming frame short of that is a `boundary` verdict, not a success), as the Push-T camera
/// reward does: one frame that looks like success while the scene is still moving does not end an episode. The
/// streak starts again at ``beginEpisode(_:firstObservation:)``, and a frame that cannot be judged breaks it; on
/// the episode's last frame the threshold alone decides. The streak follows one episode at a time: give each
/// station its own reward.
public final class ClassifierReward: RewardFunction {
    /// The frozen description.
    public let model: ClassifierModel
    /// Consecutive live frames above the threshold a success needs before an episode's last frame (1: each frame
    /// alone).
    public let confirmations: Int
    /// SHA-256 of the frozen sidecar (which pins the weights' hash), followed by `+confirmations:k` when k > 1 (the
    /// streak changes which episodes succeed, so it is part of the frozen criteria).
    public let identity: String
    private let kit: CameraVerifierKit<SuccessClassifier>
    private let streak: Mutex<ConfirmationStreak>

    /// Creates a reward around a loaded classifier (see ``ClassifierModel/load(from:expectedHash:)``); a
    /// `confirmations` below 1 counts as 1.
    public init(model: ClassifierModel, classifier: sending SuccessClassifier, confirmations: Int = 1) {
        self.model = model
        self.confirmations = max(1, confirmations)
        identity = self.confirmations == 1 ? model.identity : "\(model.identity)+confirmations:\(self.confirmations)"
        kit = CameraVerifierKit(resolution: model.input.resolution, state: classifier)
        streak = Mutex(ConfirmationStreak(required: self.confirmations))
    }

    /// Loads the frozen classifier in `folder` (refusing a hash other than `expectedHash`) as a reward.
    ///
    /// - Throws: ``ClassifierError/badClassifierFile(_:)``.
    public convenience init(folder: URL, expectedHash: String? = nil, confirmations: Int = 1) throws(ClassifierError) {
        let loaded = try ClassifierModel.load(from: folder, expectedHash: expectedHash)
        self.init(model: loaded.model, classifier: loaded.classifier, confirmations: confirmations)
    }

    /// The name of this reward's vote.
    public var voteSource: String { "classifier:\(model.cameraName)" }

    /// Starts the confirmation streak of a new episode at zero.
    public func beginEpisode(_ episode: EpisodeMetadata, firstObservation: Observation?) async {
        resetConfirmations()
    }

    /// Starts the confirmation streak at zero (what ``beginEpisode(_:firstObservation:)`` does, for code that
    /// drives the reward synchronously).
    public func resetConfirmations() {
        streak.withLock { $0.reset() }
    }

    /// Judges the latest frame of the model's camera as the next live frame of the episode (see
    /// ``judge(_:isFinal:)``); a missing camera gives `unknown` and breaks the streak.
    public func evaluate(_ context: EpisodeContext) async throws -> Verdict {
        guard let frame = context.observation.frames[model.cameraName] else {
            streak.withLock { _ = $0.record(false) }
            return .unknown(RewardError.missingCamera(model.cameraName).description)
        }
        return judge(frame, isFinal: context.isFinal)
    }

    /// Judges the next live frame of the current episode: the frame's verdict (``verdict(for:)``), then the
    /// confirmation streak, which it extends or breaks. Before the last frame (`isFinal` false), a success short of
    /// ``confirmations`` consecutive frames becomes a `boundary` verdict that is not a success.
    public func judge(_ frame: Frame, isFinal: Bool) -> Verdict {
        var result = verdict(for: frame)
        guard confirmations > 1 else { return result }   // each frame alone: no streak to keep
        let count = streak.withLock { state -> Int in
            state.record(result.success)
            return state.count
        }
        result.detail = (result.detail ?? "") + ", confirmed \(count) of \(confirmations) frames"
        guard result.success, !isFinal, count < confirmations else { return result }
        result.success = false
        result.status = .boundary
        result.votes = result.votes.map { Vote(source: $0.source, success: false, score: $0.score) }
        return result
    }

    /// Judges one frame alone, outside any episode (the confirmation streak is neither read nor changed; decoding
    /// included in the latency). Only the model's region of the frame is decoded from a JPEG.
    public func verdict(for frame: Frame) -> Verdict {
        kit.timed {
            let probability = try kit.withWindow(of: frame, region: model.input.region) { classifier, window in
                try classifier.probability(ofWindow: window)
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
