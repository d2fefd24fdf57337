import Enpire
import EnpireReward
import EnpireSim
import Foundation
import Testing

@Suite struct PushTCameraRewardTests {
    /// Calibrates from `clips` labelled frames (each from its own camera) and judges `heldOut` other frames.
    static func judge(clips: Int, heldOut: Int) throws
        -> (report: RewardCalibration.Report, judged: [(coverage: Double, estimate: Double, success: Bool)]) {
        let probe = PushTCameraReward(model: PushTRewardModel())
        let examples = try PushTLabelledFrames().make(count: clips, seed: 10).map { sample in
            RewardCalibration.Example(
                features: try probe.features(of: sample.frame, calibration: try probe.calibration(from: sample.reference)),
                success: sample.success)
        }
        let report = try RewardCalibration(seed: 1).fit(examples)
        let reward = PushTCameraReward(model: report.model)
        var judged: [(coverage: Double, estimate: Double, success: Bool)] = []
        for sample in try PushTLabelledFrames().make(count: heldOut, seed: 20) {
            let calibration = try reward.calibration(from: sample.reference)
            let features = try reward.features(of: sample.frame, calibration: calibration)
            judged.append((sample.coverage, features.estimatedCoverage,
                           reward.verdict(for: sample.frame, calibration: calibration).success))
        }
        return (report, judged)
    }

    @Test func coverageEstimateIsSubPixelAccurateOnHeldOutCameras() throws {
        let (report, judged) = try Self.judge(clips: 16, heldOut: 24)
        let errors = judged.map { abs($0.estimate - $0.coverage) }.sorted()
        let median = errors[errors.count / 2], p90 = errors[errors.count * 9 / 10]
        print("camera reward: |estimate - coverage| median \(median), p90 \(p90), max \(errors.last ?? 0); "
              + "threshold \(report.model.threshold)")
        #expect(median < 0.004)
        #expect(p90 < 0.012)
        // Away from the threshold the verdict always agrees, and no frame is a false success by more than a hair.
        for frame in judged where abs(frame.coverage - PushTGeometry.successThreshold) > 0.02 {
            #expect(frame.success == (frame.coverage > PushTGeometry.successThreshold))
        }
        #expect(judged.filter { $0.success && $0.coverage < 0.94 }.isEmpty)
    }

    @Test func earlySuccessNeedsConfirmationButTheLastFrameUsesTheThreshold() {
        let reward = PushTCameraReward(model: PushTRewardModel(threshold: 0.95, boundaryMargin: 0.006,
                                                               confirmationFrames: 1))
        let features = Self.features
        #expect(!reward.verdict(for: features(0.953), isFinal: false).success)
        #expect(reward.verdict(for: features(0.953), isFinal: false).status == .boundary)
        #expect(reward.verdict(for: features(0.953), isFinal: true).success)
        #expect(reward.verdict(for: features(0.957), isFinal: false).status == .confirmedPass)
        #expect(!reward.verdict(for: features(0.949), isFinal: true).success)
        #expect(reward.verdict(for: features(0.90), isFinal: true).status == .likelyFail)
    }

    static func features(_ coverage: Double) -> PushTFrameFeatures {
        PushTFrameFeatures(block: PushTImagePose(x: 0, y: 0, angle: 0, scale: 1), blockAreaRatio: 1,
                           arenaFraction: 0.8, estimatedCoverage: coverage)
    }

    @Test func earlySuccessNeedsConsecutiveConfirmations() {
        let reward = PushTCameraReward(model: PushTRewardModel(threshold: 0.95, boundaryMargin: 0.006,
                                                               confirmationFrames: 3))
        let high = Self.features(0.97)
        for streak in [1, 2] {
            let pending = reward.verdict(for: high, isFinal: false, confirmedFrames: streak)
            #expect(!pending.success && pending.status == .boundary, "\(streak) of 3 confirmations")
        }
        #expect(reward.verdict(for: high, isFinal: false, confirmedFrames: 3).status == .confirmedPass)
        #expect(reward.verdict(for: high, isFinal: false, confirmedFrames: 3).success)
        // One frame alone (the stored path) cannot end an episode early, but decides on the last frame.
        #expect(!reward.verdict(for: high, isFinal: false).success)
        #expect(reward.verdict(for: high, isFinal: true).success)
        // A frame that does not confirm is no success whatever streak the caller claims.
        #expect(!reward.verdict(for: Self.features(0.953), isFinal: false, confirmedFrames: 9).success)
        var streak = ConfirmationStreak(required: 3)
        #expect(!streak.record(true) && !streak.record(true) && streak.record(true) && streak.count == 3)
        #expect(!streak.record(false) && streak.count == 0)
        #expect(ConfirmationStreak(required: 0).required == 1)
    }

    /// Through the `RewardFunction` API on real frames: a success needs three confirming frames in a row; an
    /// unjudgeable frame breaks the streak, and `beginEpisode` starts it again.
    @Test func liveStreakIsBrokenByUnjudgeableFramesAndResetByBeginEpisode() async throws {
        let (frame, goal, _) = try Self.successFrame()
        // A threshold every measurement of this frame clears: only the streak decides.
        let reward = PushTCameraReward(model: PushTRewardModel(camera: goal, threshold: 0.3, confirmationFrames: 3))
        let black = Frame(cameraName: "top", timestampSeconds: 0,
                          image: RGBImage(size: ImageSize(width: 640, height: 480)))
        func step(_ shown: Frame) async throws -> Verdict {
            try await reward.evaluate(EpisodeContext(
                observation: Observation(stepIndex: 0, elapsedSeconds: 0, arms: [], frames: ["top": shown]),
                isFinal: false))
        }
        let metadata = EpisodeMetadata(id: "a", task: "pusht", station: "s", policy: "p", startedAtUnixSeconds: 0,
                                       arms: [], cameras: [])
        await reward.beginEpisode(metadata, firstObservation: nil)
        var successes: [Bool] = []
        for shown in [frame, frame, black, frame, frame] { successes.append(try await step(shown).success) }
        #expect(successes == [false, false, false, false, false])
        #expect(try await step(frame).success, "the third confirming frame in a row")
        await reward.beginEpisode(metadata, firstObservation: nil)
        #expect(!(try await step(frame).success), "a new episode starts its streak at zero")
        #expect(!(try await step(frame).success))
        #expect(try await step(frame).success)
    }

    static func successFrame() throws -> (Frame, PushTCameraCalibration, PushTCameraReward) {
        let sample = try PushTLabelledFrames().make(count: 1, seed: 3)[0]
        let reward = PushTCameraReward(model: PushTRewardModel())
        return (sample.frame, try reward.calibration(from: sample.reference), reward)
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
            let verdict = reward.verdict(for: bad, calibration: goal)
            #expect(verdict.status == .unknown)
            #expect(!verdict.success)
        }
        // No goal calibration at all: unknown.
        #expect(reward.verdict(for: frame).status == .unknown)
        // Missing camera through the RewardFunction API.
        var model = PushTRewardModel()
        model.camera = goal
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
        let camera = PushTCameraCalibration(goal: PushTImagePose(x: 320, y: 240, angle: 0.78, scale: 0.94),
                                            blockColor: [0.56, 0.64, 0.72], goalColor: [0.56, 0.93, 0.56],
                                            agentColor: [0.25, 0.41, 0.88])
        let model = PushTRewardModel(camera: camera, threshold: 0.951)
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
        // A frozen v2 file (each live frame judged alone) is refused with a message naming the change, never
        // read with the new rule under its old hash.
        var old = try #require(try JSONSerialization.jsonObject(with: model.frozenJSON()) as? [String: Any])
        old["kind"] = "enpire.reward.pusht-camera.v2"
        old.removeValue(forKey: "confirmationFrames")
        try JSONSerialization.data(withJSONObject: old).write(to: url)
        do {
            _ = try PushTRewardModel.load(from: url)
            Issue.record("a v2 reward file loaded")
        } catch {
            #expect("\(error)".contains("recalibrate") && "\(error)".contains("v2"))
        }
        var unconfirmed = model
        unconfirmed.confirmationFrames = 3
        #expect(unconfirmed.identity != PushTRewardModel(camera: camera, threshold: 0.951, confirmationFrames: 1).identity)
    }

    @Test func calibrationRefusesTooFewOrOneClassExamples() {
        let features = PushTFrameFeatures(block: nil, blockAreaRatio: 0, arenaFraction: 1, estimatedCoverage: 0.5)
        let few = [RewardCalibration.Example](repeating: .init(features: features, success: false), count: 5)
        #expect(throws: RewardError.self) { try RewardCalibration().fit(few) }
        let oneClass = [RewardCalibration.Example](repeating: .init(features: features, success: false), count: 20)
        #expect(throws: RewardError.self) { try RewardCalibration().fit(oneClass) }
    }
}
