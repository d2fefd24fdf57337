import Enpire
public import EnpireReward
public import EnpireSim
import Foundation

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

    /// Creates a study.
    public init(clips: Int = 50, heldOut: Int = 1000, calibrationSeed: UInt64 = 10, heldOutSeed: UInt64 = 20,
                frames: PushTLabelledFrames = PushTLabelledFrames()) {
        self.clips = clips
        self.heldOut = heldOut
        self.calibrationSeed = calibrationSeed
        self.heldOutSeed = heldOutSeed
        self.frames = frames
    }

    /// Runs the study; `progress` hears how many held-out frames were judged.
    ///
    /// - Throws: when calibration fails (too few clips of one outcome) or the seeds coincide.
    public func run(progress: (Int) -> Void = { _ in }) throws -> Result {
        guard calibrationSeed != heldOutSeed else {
            throw RewardError.badCalibration("calibration and held-out seeds are both \(heldOutSeed); use two seeds")
        }
        let probe = PushTCameraReward(model: PushTRewardModel())
        let examples = try frames.make(count: clips, seed: calibrationSeed).map { sample in
            RewardCalibration.Example(
                features: try probe.features(of: sample.frame, calibration: try probe.calibration(from: sample.reference)),
                success: sample.success)
        }
        let report = try RewardCalibration(seed: 1).fit(examples)
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
