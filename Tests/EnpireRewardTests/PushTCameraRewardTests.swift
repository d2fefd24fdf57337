import Enpire
import EnpireReward
import EnpireSim
import Foundation
import Testing

@Suite struct PushTCameraRewardTests {
    /// Calibrates from `clips` labelled frames and measures agreement on `heldOut` other frames.
    static func agreement(clips: Int, heldOut: Int) throws -> (RewardCalibration.Report, ClassificationMetrics, Int) {
        let calibrationFrames = try PushTLabelledFrames.make(count: clips, seed: 10)
        let probe = PushTCameraReward(model: PushTRewardModel())
        let examples = try calibrationFrames.map { sample in
            RewardCalibration.Example(
                features: try probe.features(of: sample.frame, goal: try probe.goalReference(from: sample.reference)),
                success: sample.success)
        }
        let report = try RewardCalibration(seed: 1).fit(examples)
        let reward = PushTCameraReward(model: report.model)
        var metrics = ClassificationMetrics()
        var nearMisses = 0
        for sample in try PushTLabelledFrames.make(count: heldOut, seed: 20) {
            let goal = try reward.goalReference(from: sample.reference)
            let verdict = reward.verdict(for: sample.frame, goal: goal)
            metrics.record(predicted: verdict.success, truth: sample.success)
            if sample.coverage > 0.85 && sample.coverage < 0.97 { nearMisses += 1 }
        }
        return (report, metrics, nearMisses)
    }

    @Test func calibratedRewardAgreesWithSimulatorOnHeldOutFrames() throws {
        let (report, metrics, nearMisses) = try Self.agreement(clips: 40, heldOut: 60)
        print("reward agreement (40 clips, 60 held-out, \(nearMisses) with coverage 0.85-0.97): accuracy",
              metrics.accuracy, "FP share", metrics.falsePositiveShare, "precision", metrics.precision,
              "recall", metrics.recall, "threshold", report.model.threshold)
        #expect(metrics.falsePositiveShare <= 0.02)
        // Below the 99 % target (see Docs/Reward.md): block-orientation flips cost recall, not precision.
        #expect(metrics.accuracy >= 0.8)
    }

    @Test(.enabled(if: ProcessInfo.processInfo.environment["ENPIRE_SLOW"] == "1"))
    func agreementOnThousandHeldOutFrames() throws {
        let (report, metrics, nearMisses) = try Self.agreement(clips: 50, heldOut: 1000)
        print("reward agreement (50 clips, 1000 held-out, \(nearMisses) near misses): accuracy", metrics.accuracy,
              "FP share", metrics.falsePositiveShare, "FPR", metrics.falsePositiveRate, "recall", metrics.recall,
              "threshold", report.model.threshold, "metrics", metrics)
        #expect(metrics.falsePositiveShare <= 0.005)
        #expect(metrics.accuracy >= 0.99)
    }

    static func successFrame() throws -> (Frame, PushTImagePose, PushTCameraReward) {
        let sample = try PushTLabelledFrames.make(count: 1, seed: 3)[0]
        let reward = PushTCameraReward(model: PushTRewardModel())
        return (sample.frame, try reward.goalReference(from: sample.reference), reward)
    }

    @Test func badInputGivesUnknownNeverSuccess() async throws {
        let (frame, goal, reward) = try Self.successFrame()
        let jpeg = try #require(frame.jpeg)
        let truncated = Frame(cameraName: "top", timestampSeconds: 0, jpeg: Array(jpeg.prefix(jpeg.count / 3)))
        let garbage = Frame(cameraName: "top", timestampSeconds: 0, jpeg: [0xFF, 0xD8, 1, 2, 3, 4, 5])
        let empty = Frame(cameraName: "top", timestampSeconds: 0, jpeg: [])
        let nothing = Frame(cameraName: "top", timestampSeconds: 0)
        let small = Frame(cameraName: "top", timestampSeconds: 0, image: RGBImage(size: ImageSize(width: 320, height: 240)))
        let black = Frame(cameraName: "top", timestampSeconds: 0, image: RGBImage(size: ImageSize(width: 640, height: 480)))
        for bad in [truncated, garbage, empty, nothing, small, black] {
            let verdict = reward.verdict(for: bad, goal: goal)
            #expect(verdict.status == .unknown)
            #expect(!verdict.success)
        }
        // No goal calibration at all: unknown.
        #expect(reward.verdict(for: frame).status == .unknown)
        // Missing camera through the RewardFunction API.
        var model = PushTRewardModel()
        model.goal = goal
        let calibrated = PushTCameraReward(model: model)
        let missing = try await calibrated.evaluate(EpisodeContext(
            observation: Observation(stepIndex: 0, elapsedSeconds: 0, arms: [], frames: ["side": frame]), isFinal: true))
        #expect(missing.status == .unknown && !missing.success)
        let present = try await calibrated.evaluate(EpisodeContext(
            observation: Observation(stepIndex: 0, elapsedSeconds: 0, arms: [], frames: ["top": frame]), isFinal: true))
        #expect(present.status != .unknown)
        #expect(present.latencySeconds > 0)
    }

    @Test func frozenModelRoundTripsAndRefusesChangedFiles() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("enpire-reward-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let model = PushTRewardModel(goal: PushTImagePose(x: 320, y: 240, angle: 0.78, scale: 0.94), threshold: 0.951)
        let url = directory.appendingPathComponent("reward.json")
        let hash = try model.write(to: url)
        #expect(hash == model.identity)
        #expect(PushTCameraReward(model: model).identity == hash)
        #expect(try PushTRewardModel.load(from: url, expectedHash: hash) == model)
        var changed = model
        changed.threshold = 0.9
        try changed.write(to: url)
        #expect(throws: RewardError.self) { try PushTRewardModel.load(from: url, expectedHash: hash) }
        try Data("{\"kind\": \"other\"}".utf8).write(to: url)
        #expect(throws: RewardError.self) { try PushTRewardModel.load(from: url) }
    }

    @Test func calibrationRefusesTooFewOrOneClassExamples() {
        let features = PushTFrameFeatures(block: nil, blockAreaRatio: 0, arenaFraction: 1, estimatedCoverage: 0.5)
        let few = [RewardCalibration.Example](repeating: .init(features: features, success: false), count: 5)
        #expect(throws: RewardError.self) { try RewardCalibration().fit(few) }
        let oneClass = [RewardCalibration.Example](repeating: .init(features: features, success: false), count: 20)
        #expect(throws: RewardError.self) { try RewardCalibration().fit(oneClass) }
    }
}
