import Enpire
import EnpireReward
import EnpireSim
import Testing

/// The pin-insertion camera verifier against the simulator: real physics, real renderer with camera noise, real
/// JPEG codec.
@Suite struct PinInsertionVerifierTests {
    /// One episode of `kind`, raw pixels (no JPEG) unless asked.
    private func episode(_ kind: PinInsertionLabelledEpisodes.Kind, seed: UInt64, jpeg: Bool = false) throws
        -> PinInsertionLabelledEpisodes.Sample {
        try PinInsertionLabelledEpisodes(jpegQuality: jpeg ? 90 : nil, steps: 70, mix: [kind: 1]).sample(seed: seed)
    }

    @Test func passesAnInsertedPinAndMeasuresTheHole() throws {
        let sample = try episode(.nominal, seed: 7, jpeg: true)
        #expect(sample.success)
        let verifier = PinInsertionCameraVerifier()
        let m = try verifier.measure(sample.frame)
        // The hole as the camera sees it, against the simulator's pose.
        #expect(abs(m.mouth[0] - sample.state.hole[0]) < 0.1 && abs(m.mouth[1]) < 0.1)
        #expect(abs(m.holeAngle - sample.state.hole[2]) < 0.01)
        #expect(abs(m.pinWidth - 8) < 0.3 && abs(m.holeWidth - 8.5) < 0.3)
        let verdict = verifier.verdict(frame: sample.frame, handPose: sample.handPose,
                                       lowForceStreak: LowForceStreak.of(sample.forces, bound: 3))
        #expect(verdict.success)
        #expect(verdict.votes.map(\.source) == ["alignment", "height", "force"])
    }

    @Test func rejectsAPinBesideTheHole() throws {
        let sample = try episode(.wrongHole, seed: 9)
        #expect(!sample.success)
        let verdict = PinInsertionCameraVerifier().verdict(
            frame: sample.frame, handPose: sample.handPose, lowForceStreak: LowForceStreak.of(sample.forces, bound: 3))
        #expect(!verdict.success)
        #expect(verdict.votes.first { $0.source == "alignment" }?.success == false)
        #expect(verdict.votes.first { $0.source == "height" }?.success == false)
    }

    @Test func rejectsAnInsertedPinStillPushedOrNotDeepEnough() throws {
        let sample = try episode(.nominal, seed: 7)
        let verifier = PinInsertionCameraVerifier()
        let m = try verifier.measure(sample.frame)
        // Same picture, but the arm reports 4 low-force steps of 5, or a hand 5 mm higher.
        let pushed = verifier.verdict(measurement: m, handPose: sample.handPose, lowForceStreak: 4)
        #expect(!pushed.success && pushed.votes.first { $0.source == "force" }?.success == false)
        var high = sample.handPose
        high[1] += 5
        let shallow = verifier.verdict(measurement: m, handPose: high, lowForceStreak: 10)
        #expect(!shallow.success && shallow.votes.first { $0.source == "height" }?.success == false)
        #expect(verifier.verdict(measurement: m, handPose: sample.handPose, lowForceStreak: 10).success)
    }

    @Test func lowForceStreakFollowsTheGroundTruthRule() {
        var streak = LowForceStreak(bound: 3)
        for force in [[0.0, 1], [0, 4], [2, 2], [0, 3], [.nan, 0], [0, 0]] { streak.record(force) }
        #expect(streak.count == 1)
        #expect(LowForceStreak.of([[0, 1], [1, 1], [2, 2]], bound: 3) == 3)
    }

    @Test func badInputIsUnknownNeverSuccess() async throws {
        let verifier = PinInsertionCameraVerifier()
        let hand = [0.0, 10, 0]
        let small = Frame(cameraName: "side", timestampSeconds: 0, image: RGBImage(size: ImageSize(width: 320, height: 240)))
        let corrupt = Frame(cameraName: "side", timestampSeconds: 0, jpeg: [0xFF, 0xD8, 0xFF, 0x00, 0x12])
        let empty = Frame(cameraName: "side", timestampSeconds: 0)
        let blank = Frame(cameraName: "side", timestampSeconds: 0, image: RGBImage(size: ImageSize(width: 640, height: 480)))
        for frame in [small, corrupt, empty, blank] {
            let verdict = verifier.verdict(frame: frame, handPose: hand, lowForceStreak: 10)
            #expect(verdict.status == .unknown && !verdict.success)
        }
        let arm = RobotState(position: hand, velocity: [0, 0, 0], force: [0, 0])
        let missing = try await verifier.evaluate(EpisodeContext(
            observation: Observation(stepIndex: 1, elapsedSeconds: 0.05, arms: [arm]), isFinal: true))
        #expect(missing.status == .unknown && !missing.success)
    }
}
