import Enpire
public import EnpireReward
public import EnpireSim
import Dispatch
import Foundation
import Synchronization

/// Calibrates the Push-T camera reward on a few labelled clips and measures it against the simulator on many
/// held-out frames from cameras it never saw (the check behind `enpire reward study`).
public struct PushTRewardStudy: Sendable {
    /// What a study measured.
    public struct Result: Sendable, Codable {
        /// Labelled clips the thresholds were fitted on.
        public var clips: Int
        /// Held-out frames judged.
        public var heldOut: Int
        /// The frozen model's identity (SHA-256).
        public var identity: String
        /// Fitted coverage threshold.
        public var threshold: Double
        /// Agreement of the camera verdict with the simulator on the held-out frames.
        public var metrics: ClassificationMetrics
        /// The same, per scene kind.
        public var perKind: [String: ClassificationMetrics]
        /// Verdicts that came back `unknown` (counted as failures above).
        public var unknown: Int
        /// |estimated − true coverage|: median, 90th and 99th percentile, maximum.
        public var coverageError: [Double]
        /// Frames whose coverage estimate is off by more than 0.05 (gross errors).
        public var grossErrors: Int
        /// Decode + verdict latency per frame in milliseconds: median and 99th percentile.
        public var latencyMilliseconds: [Double]
        /// The calibration's report (fitting, validation and held-out parts of the clips).
        public var calibration: RewardCalibration.Report
    }

    /// Clips to calibrate from.
    public var clips: Int
    /// Held-out frames.
    public var heldOut: Int
    /// Seed of the calibration clips.
    public var calibrationSeed: UInt64
    /// Seed of the held-out frames (different from the calibration seed).
    public var heldOutSeed: UInt64
    /// The scenes.
    public var frames: PushTLabelledFrames
    /// Added to the fitted threshold (see `RewardCalibration.safetyMargin`).
    public var safetyMargin: Double = RewardCalibration().safetyMargin

    /// Creates a study.
    public init(clips: Int = 50, heldOut: Int = 1000, calibrationSeed: UInt64 = 10, heldOutSeed: UInt64 = 20,
                frames: PushTLabelledFrames = PushTLabelledFrames()) {
        self.clips = clips
        self.heldOut = heldOut
        self.calibrationSeed = calibrationSeed
        self.heldOutSeed = heldOutSeed
        self.frames = frames
    }

    /// What the camera-ended episodes showed.
    public struct EpisodeResult: Sendable, Codable {
        /// Episodes run.
        public var episodes: Int
        /// The frozen reward's coverage threshold.
        public var threshold: Double
        /// Consecutive confirmed live frames the reward needed to end an episode early.
        public var confirmationFrames: Int
        /// The frozen reward's identity (SHA-256 of its model file, without a camera calibration).
        public var identity: String
        /// Coverage the expert policies aimed at.
        public var expertTarget: Double
        /// Agreement of the final live verdict (the one that ended the episode, or the last at the time limit)
        /// with the simulator's success on the final frame.
        public var live: ClassificationMetrics
        /// The same final frames judged again from their stored JPEG (quality 90), as `enpire reward eval` does.
        public var stored: ClassificationMetrics
        /// Per policy.
        public var perPolicy: [String: ClassificationMetrics]
        /// True coverage of the final frames the camera called successes: minimum and median.
        public var passedCoverage: [Double]
        /// Latency of the live verdicts in milliseconds (median and 99th percentile over all steps; frames are
        /// judged from decoded pixels, rendering excluded).
        public var verdictMilliseconds: [Double]
        /// Wall seconds.
        public var wallSeconds: Double
        /// Every episode whose live or stored verdict disagreed with the simulator, in episode order.
        public var misjudged: [Misjudged] = []
    }

    /// One episode the camera judged differently from the simulator.
    public struct Misjudged: Sendable, Codable {
        /// Episode index (with the study's seed it reproduces the episode).
        public var episode: Int
        /// Policy of the episode.
        public var policy: String
        /// Steps run.
        public var steps: Int
        /// True coverage of the final state.
        public var coverage: Double
        /// The camera's estimated coverage on the final live frame.
        public var estimate: Double
        /// Live and stored verdicts.
        public var live: Bool, stored: Bool
    }

    /// Runs `episodes` Push-T episodes that end the way a station ends them: when the camera reward says success
    /// (judged on every live frame), or at gym-pusht's 300-step limit. Each episode has its own camera, calibrated
    /// from its own goal-marking frame. Policies: the heuristic expert aiming at `expertTarget` coverage (50 %),
    /// the same with a random step budget of 40-260 steps (35 %), and a policy that does not move (15 %).
    ///
    /// - Throws: when calibration fails or `model` has no usable threshold.
    public func runEpisodes(_ episodes: Int, seed: UInt64, model: PushTRewardModel, expertTarget: Double = 0.97,
                            workers: Int = 2,
                            progress: @Sendable (Int) -> Void = { _ in }) throws -> EpisodeResult {
        let start = ContinuousClock.now
        struct Outcome: Sendable {
            var index: Int, policy: String, truth: Bool, live: Bool, stored: Bool, coverage: Double
            var verdictSeconds: [Double], steps = 0, estimate = Double.nan
            var error: String?
        }
        let outcomes = Mutex<[Outcome]>([])
        let next = Atomic<Int>(0)
        let resolution = frames.resolution
        DispatchQueue.concurrentPerform(iterations: max(1, min(workers, episodes))) { _ in
            guard let codec = try? JPEGCodec() else { return }
            // Each worker runs one episode at a time with its own reward, as each station has its own.
            let reward = PushTCameraReward(model: model)
            while true {
                let index = next.add(1, ordering: .relaxed).oldValue
                guard index < episodes else { return }
                var policy = "?"
                do {
                    var episode = try PushTStudyEpisode(index: index, seed: seed, reward: reward,
                                                        resolution: resolution, expertTarget: expertTarget)
                    policy = episode.policy
                    let budget = episode.budget
                    var live = false
                    var times: [Double] = []
                    var steps = 0, estimate = Double.nan
                    reward.resetConfirmations()
                    for step in 0..<budget {
                        steps = step + 1
                        try episode.advance(step: step)
                        // What a station's `reward.evaluate` does (the streak included), from decoded pixels.
                        let verdict = reward.judge(episode.frame, calibration: episode.calibration,
                                                   isFinal: step == budget - 1)
                        times.append(verdict.latencySeconds)
                        estimate = verdict.status == .unknown ? .nan : verdict.score
                        live = verdict.success
                        if live { break }
                    }
                    let image = episode.image, calibration = episode.calibration
                    let jpeg = try codec.encode(image, quality: 90)
                    let stored = reward.verdict(for: Frame(cameraName: "top", timestampSeconds: 0, jpeg: jpeg),
                                                calibration: calibration).success
                    let coverage = episode.coverage
                    outcomes.withLock {
                        $0.append(Outcome(index: index, policy: policy,
                                          truth: coverage > PushTGeometry.successThreshold, live: live,
                                          stored: stored, coverage: coverage, verdictSeconds: times, steps: steps,
                                          estimate: estimate))
                        progress($0.count)
                    }
                } catch {
                    outcomes.withLock {
                        $0.append(Outcome(index: index, policy: policy, truth: false, live: false, stored: false,
                                          coverage: 0,
                                          verdictSeconds: [], error: "\(error)"))
                        progress($0.count)
                    }
                }
            }
        }
        let all = outcomes.withLock { $0 }
        if let failed = all.first(where: { $0.error != nil }), let error = failed.error {
            throw RewardError.badCalibration("an episode could not be judged: \(error)")
        }
        var live = ClassificationMetrics(), stored = ClassificationMetrics()
        var perPolicy: [String: ClassificationMetrics] = [:]
        var passed: [Double] = [], times: [Double] = []
        for outcome in all {
            live.record(predicted: outcome.live, truth: outcome.truth)
            stored.record(predicted: outcome.stored, truth: outcome.truth)
            perPolicy[outcome.policy, default: ClassificationMetrics()].record(predicted: outcome.live,
                                                                               truth: outcome.truth)
            if outcome.live { passed.append(outcome.coverage) }
            times.append(contentsOf: outcome.verdictSeconds)
        }
        passed.sort()
        times.sort()
        let elapsed = ContinuousClock.now - start
        let misjudged = all.filter { $0.live != $0.truth || $0.stored != $0.truth }.sorted { $0.index < $1.index }.map {
            Misjudged(episode: $0.index, policy: $0.policy, steps: $0.steps, coverage: $0.coverage,
                      estimate: $0.estimate, live: $0.live, stored: $0.stored)
        }
        return EpisodeResult(
            episodes: all.count, threshold: model.threshold, confirmationFrames: model.confirmationFrames,
            identity: model.identity, expertTarget: expertTarget, live: live, stored: stored, perPolicy: perPolicy,
            passedCoverage: [passed.first ?? .nan, passed.isEmpty ? .nan : passed[passed.count / 2]],
            verdictMilliseconds: times.isEmpty ? [] : [times[times.count / 2] * 1000,
                                                       times[min(times.count - 1, times.count * 99 / 100)] * 1000],
            wallSeconds: elapsed.inSeconds,
            misjudged: misjudged)
    }

    /// Calibrates the thresholds on ``clips`` labelled clips.
    public func calibrate() throws -> RewardCalibration.Report {
        let probe = PushTCameraReward(model: PushTRewardModel())
        let examples = try frames.make(count: clips, seed: calibrationSeed).map { sample in
            RewardCalibration.Example(
                features: try probe.features(of: sample.frame, calibration: try probe.calibration(from: sample.reference)),
                success: sample.success)
        }
        return try RewardCalibration(safetyMargin: safetyMargin, seed: 1).fit(examples)
    }

    /// Runs the study; `progress` hears how many held-out frames were judged.
    ///
    /// - Throws: when calibration fails (too few clips of one outcome) or the seeds coincide.
    public func run(progress: (Int) -> Void = { _ in }) throws -> Result {
        guard calibrationSeed != heldOutSeed else {
            throw RewardError.badCalibration("calibration and held-out seeds are both \(heldOutSeed); use two seeds")
        }
        let report = try calibrate()
        let reward = PushTCameraReward(model: report.model)
        var metrics = ClassificationMetrics()
        var perKind: [String: ClassificationMetrics] = [:]
        var errors: [Double] = [], latencies: [Double] = []
        var unknown = 0
        // Frames are generated in chunks so memory stays small for large studies.
        var done = 0
        var chunkSeed = heldOutSeed
        while done < heldOut {
            let count = min(100, heldOut - done)
            for sample in try frames.make(count: count, seed: chunkSeed) {
                let calibration = try reward.calibration(from: sample.reference)
                let verdict = reward.verdict(for: sample.frame, calibration: calibration)
                metrics.record(predicted: verdict.success, truth: sample.success)
                perKind[sample.kind.rawValue, default: ClassificationMetrics()]
                    .record(predicted: verdict.success, truth: sample.success)
                latencies.append(verdict.latencySeconds * 1000)
                if verdict.status == .unknown {
                    unknown += 1
                } else if let features = try? reward.features(of: sample.frame, calibration: calibration) {
                    errors.append(abs(features.estimatedCoverage - sample.coverage))
                }
            }
            done += count
            chunkSeed = chunkSeed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            progress(done)
        }
        errors.sort()
        latencies.sort()
        func quantile(_ values: [Double], _ q: Double) -> Double {
            values.isEmpty ? .nan : values[min(values.count - 1, Int(q * Double(values.count)))]
        }
        return Result(
            clips: clips, heldOut: heldOut, identity: reward.identity, threshold: report.model.threshold,
            metrics: metrics, perKind: perKind, unknown: unknown,
            coverageError: [quantile(errors, 0.5), quantile(errors, 0.9), quantile(errors, 0.99), errors.last ?? .nan],
            grossErrors: errors.filter { $0 > 0.05 }.count,
            latencyMilliseconds: [quantile(latencies, 0.5), quantile(latencies, 0.99)], calibration: report)
    }
}
