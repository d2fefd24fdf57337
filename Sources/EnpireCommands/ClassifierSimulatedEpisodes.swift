import Enpire
import EnpireReward
import EnpireSim
import EnpireTasks
import Foundation

/// Labelled episodes of the built-in simulators for the learned success classifier: camera frames (JPEG q90, a
/// new noisy camera per episode) labelled by the simulator's ground truth, and where available the hand-written
/// analyser's verdict on the same final frame.
///
/// Push-T: the heuristic expert aiming at coverage 0.97 (50 %), the expert with a random step budget of 40–260
/// steps (35 %), or no motion (15 %), as in `enpire reward study`; success is gym-pusht's coverage > 0.95 of the
/// final state. Pin insertion and zip-tie: `PinInsertionLabelledEpisodes` and `ZipTieLabelledEpisodes` (the
/// scripted expert, deliberately perturbed in a share of episodes), as in `enpire verifier study`.
struct ClassifierSimulatedEpisodes: Sendable {
    /// One episode.
    struct Episode: Sendable {
        /// The episode's seed.
        var seed: UInt64
        /// Policy or perturbation kind.
        var kind: String
        /// Frames for training clips, each with its label (the ground truth of its own step, less the votes of
        /// ``ClassifierSimulatedEpisodes/labelIgnoring``); the final frame is the last.
        var frames: [(frame: Frame, success: Bool)]
        /// The episode's ground truth (every vote).
        var success: Bool
        /// The ground truth less the votes a station reads from the arm (``armVotes``): what a perfect camera-only
        /// judge would say. Differs from ``success`` only where the arm's force or tension alone failed.
        var cameraVisible: Bool
        /// The final frame.
        var final: Frame { frames[frames.count - 1].frame }
        /// The hand-written analyser's verdict on the final frame (nil when not asked for).
        var analyser: Verdict?
        /// The simulator's account of the final state (Push-T: its coverage).
        var truthDetail = ""
    }

    /// What one worker thread holds: a JPEG codec and the task's analyser.
    final class Worker {
        let codec: JPEGCodec
        let pushT: PushTCameraReward?
        let pin = PinInsertionCameraVerifier()
        let zipTie = ZipTieCameraVerifier()
        init(pushTModel: PushTRewardModel?) throws {
            codec = try JPEGCodec()
            pushT = pushTModel.map { PushTCameraReward(model: $0) }
        }
    }

    /// `pusht`, `pin`, `ziptie` or `staging` (the clip-only task of `ClassifierStagingEpisodes`).
    let task: String
    /// The camera whose frames are kept (`top` for Push-T, `side` for pin, `top` or `oblique` for zip-tie).
    let camera: String
    /// Frames per episode, the final frame last: Push-T, evenly spaced over the episode's second half; zip-tie, evenly
    /// over the episode's second half too (`ZipTieLabelledEpisodes.clipFrames`); pin, always 1. Each frame carries
    /// the ground truth of its own step.
    let framesPerEpisode: Int
    /// Ground-truth votes left out of the frames' labels (`["tension"]` or `["force"]`: label by what the camera
    /// can see, for a classifier fused with the arm's vote). Empty: the full ground truth.
    var labelIgnoring: Set<String> = []
    /// Push-T: spread the frames evenly over the whole episode (from its first step) instead of its second half,
    /// as a lab recording whole episodes would; the first half holds the approach, which a live reward also judges.
    var wholeEpisode = false

    /// The ground-truth votes a station reads from the arm rather than a camera (pin: force; zip-tie: tension).
    static let armVotes: Set<String> = ["force", "tension"]

    /// The tasks with a simulator here.
    static let tasks = ["pusht", "pin", "ziptie", "staging"]

    /// Whether a hand-written analyser exists for `task` (not for the clip-only `staging`).
    static func hasAnalyser(_ task: String) -> Bool { task != "staging" }

    /// The default camera of a task.
    static func defaultCamera(_ task: String) -> String { task == "pin" ? "side" : "top" }

    /// Runs episode `seed`; with `analyse`, also judges its final frame with the hand-written analyser (Push-T:
    /// the worker's calibrated `PushTCameraReward` on the final frame, its camera calibrated from this episode's
    /// goal-marking frame; pin and zip-tie: the verifiers of `enpire verifier study`, which also read the arm).
    func episode(seed: UInt64, worker: Worker, analyse: Bool) throws -> Episode {
        switch task {
        case "pusht": return try pushT(seed: seed, worker: worker, analyse: analyse)
        case "staging": return try ClassifierStagingEpisodes.episode(seed: seed, frames: framesPerEpisode,
                                                                     codec: worker.codec)
        case "pin":
            let sample = try PinInsertionLabelledEpisodes().sample(seed: seed, codec: worker.codec)
            var verdict: Verdict?
            if analyse {
                let streak = LowForceStreak.of(sample.forces, bound: worker.pin.model.forceBound)
                verdict = worker.pin.verdict(frame: sample.frame, handPose: sample.handPose, lowForceStreak: streak)
            }
            return Episode(seed: seed, kind: sample.kind.rawValue,
                           frames: [(sample.frame, sample.groundTruth.success(ignoring: labelIgnoring))],
                           success: sample.success, cameraVisible: sample.groundTruth.success(ignoring: Self.armVotes),
                           analyser: verdict, truthDetail: sample.groundTruth.detail ?? "")
        default:
            var generator = ZipTieLabelledEpisodes()
            generator.clipFrames = max(1, framesPerEpisode)
            generator.labelIgnoring = labelIgnoring
            let sample = try generator.sample(seed: seed, codec: worker.codec)
            guard let frame = sample.frames.first(where: { $0.cameraName == camera }) else {
                throw CommandFailure("zip-tie has no camera '\(camera)'; use top or oblique")
            }
            var verdict: Verdict?
            if analyse {
                var monitor = ZipTieCutTensionMonitor(closedJawOpening: worker.zipTie.model.closedJawOpening)
                for (left, cutter) in zip(sample.leftReadings, sample.cutterReadings) {
                    monitor.record(left: left, cutter: cutter)
                }
                var frames: [String: Frame] = [:]
                for frame in sample.frames { frames[frame.cameraName] = frame }
                verdict = worker.zipTie.verdict(frames: frames, tensionAtClosure: monitor.tensionAtClosure)
            }
            let clip = sample.earlierFrames.filter { $0.frame.cameraName == camera }
                + [(frame, sample.groundTruth.success(ignoring: labelIgnoring))]
            return Episode(seed: seed, kind: sample.kind.rawValue, frames: clip, success: sample.success,
                           cameraVisible: sample.groundTruth.success(ignoring: Self.armVotes), analyser: verdict,
                           truthDetail: sample.groundTruth.detail ?? "")
        }
    }

    /// A Push-T episode before its first step: the policy kind, its step budget, the episode's noisy camera, the
    /// simulation after its reset and the expert. The final-frame and the live study draw the same episode from a seed.
    struct PushTStart {
        var kind: String
        var budget: Int
        var renderer: PushTRenderer
        let simulation: PushTSimulation
        var expert: PushTHeuristicExpert

        init(seed: UInt64) throws {
            var random = SplitMix64(seed: seed &* 0x9E37_79B9_7F4A_7C15 ^ 0xC1A5)
            let pick = random.nextUnitDouble()
            kind = pick < 0.5 ? "expert" : (pick < 0.85 ? "expert-budget" : "idle")
            budget = kind == "expert-budget" ? 40 + Int(random.nextUnitDouble() * 220) : PushTGeometry.maxEpisodeSteps
            renderer = try PushTRenderer(outputSize: ImageSize(width: 640, height: 480),
                                         noise: .realistic(seed: random.next()))
            simulation = PushTSimulation()
            simulation.reset(seed: random.next() % 1_000_000)
            expert = PushTHeuristicExpert(parameters: PushTPlannerParameters(targetCoverage: 0.97))
        }

        /// The analyser's calibration of this episode's camera, from the camera's goal-marking frame.
        mutating func calibration(of analyser: PushTCameraReward) throws -> PushTCameraCalibration {
            let reference = renderer.render(PushTLabelledFrames.referenceState, frameIndex: 0)
            return try analyser.calibration(from: Frame(cameraName: "top", timestampSeconds: 0, image: reference))
        }

        /// One control step: the expert's target, or no motion for the `idle` kind.
        mutating func step() throws {
            guard kind != "idle" else { return }
            let target = expert.nextTarget(state: simulation.state, agentVelocity: simulation.agentVelocity)
            try simulation.step(action: (target.x, target.y))
        }
    }

    private func pushT(seed: UInt64, worker: Worker, analyse: Bool) throws -> Episode {
        var start = try PushTStart(seed: seed)
        let kind = start.kind, budget = start.budget, simulation = start.simulation
        let count = max(1, framesPerEpisode)
        var captures = Set<Int>()
        let span = wholeEpisode ? budget : budget / 2
        for i in 0..<count { captures.insert(budget - span * i / count) }
        var image = RGBImage(size: ImageSize(width: 640, height: 480))
        var frames: [(frame: Frame, success: Bool)] = []
        for step in 1...budget {
            try start.step()
            if captures.contains(step) {
                start.renderer.render(simulation.state, into: &image, frameIndex: UInt64(step))
                let frame = Frame(cameraName: "top", timestampSeconds: Double(step) / 10,
                                  jpeg: try worker.codec.encode(image, quality: 90))
                frames.append((frame, simulation.coverage > PushTGeometry.successThreshold))
            }
        }
        var verdict: Verdict?
        if analyse, let reward = worker.pushT {
            do {
                let calibration = try start.calibration(of: reward)
                verdict = reward.verdict(for: frames[frames.count - 1].frame, calibration: calibration, isFinal: true)
            } catch {
                // A camera the analyser cannot calibrate from its goal-marking frame: its verdict is unknown.
                verdict = .unknown("camera calibration failed: \(error)")
            }
        }
        let success = simulation.coverage > PushTGeometry.successThreshold
        return Episode(seed: seed, kind: kind, frames: frames, success: success, cameraVisible: success,
                       analyser: verdict, truthDetail: String(format: "coverage %.4f", simulation.coverage))
    }
}
