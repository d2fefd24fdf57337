import Enpire
import EnpireReward
import EnpireRewardLearning
import EnpireSim
import EnpireTasks
import Foundation

/// A frozen success classifier judging **every** frame of simulated Push-T episodes, as a station's reward does
/// live, with its confirmation streak, next to the hand-written camera analyser judging the same frames with its
/// own streak (`enpire reward classifier-study --live-confirmations k`).
///
/// The episodes are those of the final-frame study (`ClassifierSimulatedEpisodes.PushTStart`: the expert, the expert
/// with a step budget, or no motion; a new noisy camera per episode, JPEG q90). Each judge's episode ends at the
/// first step it calls a success, as a station's does. Against the simulator's ground truth:
/// - **success**: called at a step whose state is a success (coverage > 0.95);
/// - **false positive**: called at a step whose state is not a success (whatever came before or after);
/// - **missed**: never called, though the state was a success at some step of the episode;
/// - **failure**: never called, and the state never a success.
struct ClassifierLiveStudy: Sendable {
    /// What one judge did in one episode.
    struct Judged: Sendable {
        /// The step at which the judge called success (nil: never).
        var declaredStep: Int?
        /// The true coverage at that step.
        var coverageAtDeclaration: Double?
        /// Seconds per frame judged (decoding included).
        var latencies: [Double] = []
    }

    /// One episode judged live.
    struct Episode: Sendable {
        var seed: UInt64
        var kind: String
        /// The first step whose state was a success (nil: none within the episode's steps that were run).
        var firstSuccessStep: Int?
        var classifier: Judged
        /// Nil when the analyser did not run, or could not calibrate this episode's camera.
        var analyser: Judged?
    }

    /// How one judge's episode ended against the ground truth.
    enum Result: String, Sendable {
        case success, falsePositive, missed, failure
    }

    static func result(of judged: Judged, firstSuccessStep: Int?) -> Result {
        if let coverage = judged.coverageAtDeclaration {
            return coverage > PushTGeometry.successThreshold ? .success : .falsePositive
        }
        return firstSuccessStep == nil ? .failure : .missed
    }

    /// One judge's figures over the study.
    struct JudgeReport: Encodable {
        var confirmations: Int
        var episodes: Int
        var successes = 0, falsePositives = 0, missed = 0, failures = 0
        var agreement = 0
        var agreementWilson95: [Double] = []
        var falsePositiveShareWilson95: [Double] = []
        /// Steps from the first true success to the call, over correctly called episodes.
        var callDelaySteps: [String: Int] = [:]
        var framesJudged = 0
        var latencyMilliseconds: [String: Double] = [:]
        var misjudged: [String] = []

        init(confirmations: Int, episodes: [Episode], judged: (Episode) -> Judged?) throws {
            self.confirmations = confirmations
            var delays: [Int] = [], latencies: [Double] = [], count = 0
            for episode in episodes {
                guard let j = judged(episode) else { continue }
                count += 1
                framesJudged += j.latencies.count
                latencies += j.latencies
                let result = ClassifierLiveStudy.result(of: j, firstSuccessStep: episode.firstSuccessStep)
                switch result {
                case .success:
                    successes += 1
                    if let call = j.declaredStep, let first = episode.firstSuccessStep { delays.append(call - first) }
                case .falsePositive: falsePositives += 1
                case .missed: missed += 1
                case .failure: failures += 1
                }
                if result == .falsePositive || result == .missed {
                    let call = j.declaredStep.map { "called at step \($0), coverage "
                        + String(format: "%.4f", j.coverageAtDeclaration ?? 0) } ?? "never called"
                    let first = episode.firstSuccessStep.map { "first true success at step \($0)" } ?? "never a success"
                    misjudged.append("seed \(episode.seed) \(episode.kind): \(result.rawValue), \(call); \(first)")
                }
            }
            self.episodes = count
            agreement = successes + failures
            agreementWilson95 = try RewardCommand.ClassifierStudy.Scored.wilson95(agreement, of: count)
            falsePositiveShareWilson95 = try RewardCommand.ClassifierStudy.Scored.wilson95(falsePositives, of: count)
            delays.sort()
            if !delays.isEmpty {
                callDelaySteps = ["p50": delays[delays.count / 2], "p90": delays[min(delays.count - 1, delays.count * 9 / 10)],
                                  "max": delays[delays.count - 1]]
            }
            latencyMilliseconds = RewardCommand.ClassifierStudy.latencyMilliseconds(latencies)
        }
    }

    /// The study's report.
    struct Report: Encodable {
        var task = "pusht", mode = "live"
        var episodes: Int, firstSeed: UInt64, lastSeed: UInt64, workers: Int
        var identity: String, threshold: Double
        /// Episodes whose state was a success at some step that was run (an episode runs until every judge has
        /// called success, so this depends on the judges run; each judge's own figures do not).
        var truthReached: Int
        var classifier: JudgeReport
        var analyser: JudgeReport?
        /// Episodes whose camera the analyser could not calibrate (left out of its figures).
        var analyserUncalibrated: Int
        var wallSeconds: Double
    }

    /// What one worker thread holds.
    final class Worker {
        let codec: JPEGCodec
        let classifier: ClassifierReward
        let analyser: PushTCameraReward?
        var image = RGBImage(size: ImageSize(width: 640, height: 480))
        init(classifier: ClassifierReward, analyserModel: PushTRewardModel?) throws {
            codec = try JPEGCodec()
            self.classifier = classifier
            analyser = analyserModel.map { PushTCameraReward(model: $0) }
        }
    }

    /// Runs episode `seed`, judging every frame until both judges have called success or the episode's steps end.
    static func episode(seed: UInt64, worker: Worker) throws -> Episode {
        var start = try ClassifierSimulatedEpisodes.PushTStart(seed: seed)
        worker.classifier.resetConfirmations()
        var calibration: PushTCameraCalibration?
        if let analyser = worker.analyser {
            analyser.resetConfirmations()
            calibration = try? start.calibration(of: analyser)
        }
        var classifier = Judged()
        var analyser: Judged? = calibration == nil ? nil : Judged()
        var firstSuccess: Int?
        for step in 1...start.budget {
            try start.step()
            let coverage = start.simulation.coverage
            if firstSuccess == nil, coverage > PushTGeometry.successThreshold { firstSuccess = step }
            let classifierOpen = classifier.declaredStep == nil
            let analyserOpen = analyser != nil && analyser?.declaredStep == nil
            guard classifierOpen || analyserOpen else { break }
            start.renderer.render(start.simulation.state, into: &worker.image, frameIndex: UInt64(step))
            let frame = Frame(cameraName: "top", timestampSeconds: Double(step) / 10,
                              jpeg: try worker.codec.encode(worker.image, quality: 90))
            let isFinal = step == start.budget
            if classifierOpen {
                let verdict = worker.classifier.judge(frame, isFinal: isFinal)
                classifier.latencies.append(verdict.latencySeconds)
                if verdict.success { classifier.declaredStep = step; classifier.coverageAtDeclaration = coverage }
            }
            if analyserOpen, let reward = worker.analyser {
                let verdict = reward.judge(frame, calibration: calibration, isFinal: isFinal)
                analyser?.latencies.append(verdict.latencySeconds)
                if verdict.success { analyser?.declaredStep = step; analyser?.coverageAtDeclaration = coverage }
            }
        }
        return Episode(seed: seed, kind: start.kind, firstSuccessStep: firstSuccess, classifier: classifier,
                       analyser: analyser)
    }
}

extension RewardCommand.ClassifierStudy {
    /// `--live-confirmations k`: the live study of ``ClassifierLiveStudy``, its report as JSON.
    func runLive(confirmations: Int, probe: ClassifierReward, analyserModel: PushTRewardModel?, start: Date) throws {
        let folder = URL(fileURLWithPath: model), hash = expectHash, first = seed
        let ticker = ProgressTicker(progress.output(since: start).counter(phase: "live classifier study", total: episodes,
                                                                          every: 50))
        let judged: [ClassifierLiveStudy.Episode]
        do {
            judged = try ParallelEpisodes.run(
                count: episodes, workers: workers,
                makeWorker: { _ in
                    try ClassifierLiveStudy.Worker(
                        classifier: ClassifierReward(folder: folder, expectedHash: hash, confirmations: confirmations),
                        analyserModel: analyserModel)
                },
                body: { worker, index in
                    let episode = try ClassifierLiveStudy.episode(seed: first + UInt64(index), worker: worker)
                    ticker.tick()
                    return episode
                })
        } catch {
            throw CommandFailure("live study failed: \(error)")
        }
        let report = ClassifierLiveStudy.Report(
            episodes: episodes, firstSeed: seed, lastSeed: seed + UInt64(episodes) - 1, workers: workers,
            identity: probe.identity, threshold: probe.model.threshold,
            truthReached: judged.filter { $0.firstSuccessStep != nil }.count,
            classifier: try .init(confirmations: confirmations, episodes: judged) { $0.classifier },
            analyser: try analyserModel.map { try .init(confirmations: $0.confirmationFrames, episodes: judged) { $0.analyser } },
            analyserUncalibrated: analyserModel == nil ? 0 : judged.filter { $0.analyser == nil }.count,
            wallSeconds: Date().timeIntervalSince(start))
        try printPrettyJSON(report, alsoTo: output)
    }
}
