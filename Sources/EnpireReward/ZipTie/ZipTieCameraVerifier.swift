public import Enpire
import Foundation

/// Judges zip-tie cutting from the station's cameras and the left arm's grasp force, never from the simulator's
/// state: one vote per camera (the tie shows split at the painted mark), fused by AND with a `tension` vote
/// (the left gripper's grasp force when the jaws closed, see ``ZipTieCutTensionMonitor``).
///
/// A missing camera, an undecodable or wrongly sized frame, a frame where too little of the tie or its mark is
/// visible, or a split with a tool lying over it gives no vote for that camera and so an `unknown` verdict,
/// never a success. As a `RewardFunction` it reads the arms as [left, cutter] in every observation it is shown
/// (a station evaluates every step) and forgets them at ``beginEpisode(_:firstObservation:)``. Safe to call from
/// any task (state and scratch memory sit behind the ``CameraVerifierKit``'s lock), but its monitor follows one episode at a time: give
/// each station its own verifier.
public final class ZipTieCameraVerifier: RewardFunction {
    /// The cameras and rules.
    public let model: ZipTieVerifierModel
    /// Identity including every number of the model.
    public let identity: String
    private let kit: CameraVerifierKit<State>

    private struct State {
        var analyzers: [String: ZipTieFrameAnalyzer] = [:]
        var monitor: ZipTieCutTensionMonitor
    }

    /// Creates a verifier.
    public init(model: ZipTieVerifierModel = ZipTieVerifierModel()) {
        self.model = model
        identity = model.identity
        var state = State(monitor: ZipTieCutTensionMonitor(closedJawOpening: model.closedJawOpening))
        for name in model.cameraNames { state.analyzers[name] = ZipTieFrameAnalyzer(model: model) }
        kit = CameraVerifierKit(resolution: model.resolution, state: state)
    }

    /// Starts the tension monitor of a new episode (no closure seen yet).
    public func beginEpisode(_ episode: EpisodeMetadata, firstObservation: Observation?) async {
        kit.withState { $0.monitor.reset() }
    }

    /// Updates the tension monitor from the observation's arms [left, cutter] and judges its frames.
    public func evaluate(_ context: EpisodeContext) async throws -> Verdict {
        let observation = context.observation
        let tension = kit.withState { state -> Double? in
            state.monitor.record(left: observation.arms.first, cutter: observation.arms.count > 1 ? observation.arms[1] : nil)
            return state.monitor.tensionAtClosure
        }
        return verdict(frames: observation.frames, tensionAtClosure: tension)
    }

    /// The verdict for the cameras' frames (by camera name) and the grasp force at the jaws' latest closure (nil
    /// when they never closed); decoding and measuring are included in the latency.
    ///
    /// The fusion is an AND, so when the tension vote already fails (the jaws never closed, or closed on a slack tie)
    /// the frames are not measured: the verdict is a `likelyFail` carrying the tension vote only. A station judges
    /// every step, and before the cut that saves both cameras' measurements.
    public func verdict(frames: [String: Frame], tensionAtClosure: Double?) -> Verdict {
        kit.timed { judge(frames: frames, tensionAtClosure: tensionAtClosure) }
    }

    private func judge(frames: [String: Frame], tensionAtClosure: Double?) -> Verdict {
        let tensionValue = tensionAtClosure ?? 0
        guard let closure = tensionAtClosure, closure.isFinite, closure >= model.minimumTension else {
            return Verdict(
                success: false, score: 0, status: .likelyFail,
                votes: [Vote(source: model.tensionSource, success: false,
                             score: min(max(tensionValue / model.minimumTension, 0), 1))],
                detail: (tensionAtClosure.map { String(format: "grasp force at closure %.2f N", $0) } ?? "jaws never closed")
                    + "; frames not measured (the tension vote already fails)")
        }
        var votes: [Vote] = []
        var notes: [String] = []
        for name in model.cameraNames {
            do {
                let m = try measure(try kit.frame(of: name, in: frames), camera: name)
                if m.occluded {
                    notes.append("\(name): a tool lies over the split (\(m.occludingPixels) px); cannot judge")
                    continue
                }
                votes.append(Vote(source: name, success: m.cutAtMark, score: m.cutAtMark ? 1 : 0))
                notes.append("\(name): \(m.pieces) piece(s), \(m.piecesWithMark) with the mark, gap "
                             + String(format: "%.1f px", m.gapPixels))
            } catch RewardError.missingCamera(let camera) {
                notes.append(RewardError.missingCamera(camera).description)
            } catch {
                notes.append("\(name): \(RewardError.message(for: error))")
            }
        }
        let tension = tensionAtClosure ?? 0
        let tensioned = tensionAtClosure.map { $0.isFinite && $0 >= model.minimumTension } ?? false
        votes.append(Vote(source: model.tensionSource, success: tensioned,
                          score: min(max(tension / model.minimumTension, 0), 1)))
        notes.append(tensionAtClosure.map { String(format: "grasp force at closure %.2f N", $0) } ?? "jaws never closed")
        var result = VoteFusion.fuse(votes, rule: .all, expectedSources: model.cameraNames + [model.tensionSource])
        if result.status != .unknown {
            result.score = result.success ? 1 : 0.5 * result.score
        }
        result.detail = ([result.detail].compactMap { $0 } + notes).joined(separator: "; ")
        return result
    }

    /// Measures one camera's frame (decoding its JPEG when it carries no pixels).
    ///
    /// - Throws: ``RewardError/missingCamera(_:)`` for a camera the model does not list, ``RewardError/badFrame(_:)``
    ///   for an unreadable, wrongly sized or unusable frame.
    public func measure(_ frame: Frame, camera: String) throws -> ZipTieCutMeasurement {
        try kit.withPixels(of: frame) { state, image in
            guard let analyzer = state.analyzers[camera] else { throw RewardError.missingCamera(camera) }
            return try analyzer.measure(image)
        }
    }
}
