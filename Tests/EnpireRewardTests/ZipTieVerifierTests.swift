import Enpire
import EnpireReward
import EnpireSim
import Testing

/// The zip-tie camera verifier against the simulator: real physics, both rendered cameras with noise, real JPEG.
@Suite struct ZipTieVerifierTests {
    private func frames(_ sample: ZipTieLabelledEpisodes.Sample) -> [String: Frame] {
        Dictionary(uniqueKeysWithValues: sample.frames.map { ($0.cameraName, $0) })
    }

    private func tension(_ sample: ZipTieLabelledEpisodes.Sample) -> Double? {
        var monitor = ZipTieCutTensionMonitor()
        for (left, cutter) in zip(sample.leftReadings, sample.cutterReadings) { monitor.record(left: left, cutter: cutter) }
        return monitor.tensionAtClosure
    }

    /// Frames of a fresh, uncut tie from both cameras.
    private func uncutFrames(seed: UInt64) throws -> [String: Frame] {
        let simulation = ZipTieSimulation()
        simulation.reset(seed: seed)
        var result: [String: Frame] = [:]
        for view in ZipTieRenderer.View.allCases {
            var renderer = try ZipTieRenderer(view: view, noise: ZipTieRenderer.realisticNoise(seed: seed))
            result[view.rawValue] = Frame(cameraName: view.rawValue, timestampSeconds: 0,
                                          image: renderer.render(simulation.scene))
        }
        return result
    }

    @Test func passesATieCutAtTheMarkUnderTension() throws {
        let sample = try ZipTieLabelledEpisodes(mix: [.nominal: 1]).sample(seed: 18)
        #expect(sample.success)
        let verifier = ZipTieCameraVerifier()
        for frame in sample.frames {
            let m = try verifier.measure(frame, camera: frame.cameraName)
            #expect(m.cutAtMark && m.piecesWithMark == 2 && m.gapPixels > 2)
        }
        let verdict = verifier.verdict(frames: frames(sample), tensionAtClosure: tension(sample))
        #expect(verdict.success && verdict.status == .confirmedPass)
        #expect(verdict.votes.map(\.source) == ["top", "oblique", "tension"])
    }

    /// Multi-frame clips label every frame by the ground truth of its own step and leave the final frames as they
    /// are with one frame per clip.
    @Test func clipFramesCarryTheirOwnStepsTruth() throws {
        let single = try ZipTieLabelledEpisodes(mix: [.nominal: 1]).sample(seed: 18)
        var generator = ZipTieLabelledEpisodes(mix: [.nominal: 1])
        generator.clipFrames = 6
        let clip = try generator.sample(seed: 18)
        #expect(single.earlierFrames.isEmpty)
        #expect(clip.frames.map(\.jpeg) == single.frames.map(\.jpeg))
        #expect(clip.earlierFrames.count == 5 * ZipTieRenderer.View.allCases.count)
        let top = clip.earlierFrames.filter { $0.frame.cameraName == "top" }
        #expect(top.count == 5)
        let times = top.map(\.frame.timestampSeconds)
        #expect(times == times.sorted() && Set(times).count == 5 && times.last! < clip.frames[0].timestampSeconds)
        // A successful episode: the tie is whole (a failure) early in its second half and cut (a success) by the end.
        #expect(clip.success && top.first?.success == false)
        #expect(top.map(\.success) == top.map(\.success).sorted { !$0 && $1 })
    }

    /// Labels without the tension vote (for a classifier AND-fused with it): a slack cut at the mark is a failure
    /// by the ground truth and a success by what the camera can see, in its final and its later clip frames alike;
    /// an uncut tie is a failure either way.
    @Test func cameraLabelsLeaveTheTensionToTheArm() throws {
        var generator = ZipTieLabelledEpisodes(mix: [.slack: 1])
        generator.clipFrames = 4
        var slackCut: ZipTieLabelledEpisodes.Sample?
        for seed in UInt64(0)..<20 {
            let sample = try generator.sample(seed: seed)
            if sample.state.cut, !sample.success { slackCut = sample; break }
        }
        let sample = try #require(slackCut, "no slack cut in 20 seeds")
        #expect(!sample.success && sample.groundTruth.success(ignoring: ["tension"]))
        #expect(sample.earlierFrames.contains { $0.success } == false)
        generator.labelIgnoring = ["tension"]
        let relabelled = try generator.sample(seed: sample.seed)
        #expect(relabelled.frames.map(\.jpeg) == sample.frames.map(\.jpeg) && !relabelled.success)
        let top = relabelled.earlierFrames.filter { $0.frame.cameraName == "top" }
        #expect(top.first?.success == false && top.last?.success == true)
        let uncut = try ZipTieLabelledEpisodes(mix: [.stopEarly: 1]).sample(seed: 3)
        #expect(!uncut.state.cut && !uncut.groundTruth.success(ignoring: ["tension"]))
        let plain = Verdict(success: true, score: 1, status: .confirmedPass)
        #expect(plain.success(ignoring: ["tension"]))
    }

    @Test func rejectsAnUncutTieAndASlackCut() throws {
        let verifier = ZipTieCameraVerifier()
        let uncut = verifier.verdict(frames: try uncutFrames(seed: 3), tensionAtClosure: 3)
        #expect(!uncut.success && uncut.votes.filter(\.success).map(\.source) == ["tension"])
        let cut = try ZipTieLabelledEpisodes(mix: [.nominal: 1]).sample(seed: 18)
        let slack = verifier.verdict(frames: frames(cut), tensionAtClosure: 0.4)
        #expect(!slack.success && slack.votes.first { $0.source == "tension" }?.success == false)
        #expect(!verifier.verdict(frames: frames(cut), tensionAtClosure: nil).success)
    }

    @Test func tensionIsTakenJustBeforeTheJawsClose() {
        var monitor = ZipTieCutTensionMonitor()
        let steps: [(Double, Double)] = [(2.5, 1), (2.4, 0.5), (2.3, 0.1), (0.1, 0.0), (0.0, 0.0)]
        for (force, jaws) in steps {
            monitor.record(left: RobotState(position: [0, 0], velocity: [0, 0], force: [force]),
                           cutter: RobotState(position: [0, 0, 0], velocity: [0, 0, 0], gripper: jaws))
        }
        #expect(monitor.tensionAtClosure == 2.3 && monitor.closures == 1)
    }

    @Test func badInputIsUnknownNeverSuccess() throws {
        let verifier = ZipTieCameraVerifier()
        var good = try uncutFrames(seed: 5)
        good["top"] = nil
        let missing = verifier.verdict(frames: good, tensionAtClosure: 3)
        #expect(missing.status == .unknown && !missing.success)
        good["top"] = Frame(cameraName: "top", timestampSeconds: 0, jpeg: [0xFF, 0xD8, 0x00])
        #expect(verifier.verdict(frames: good, tensionAtClosure: 3).status == .unknown)
        good["top"] = Frame(cameraName: "top", timestampSeconds: 0, image: RGBImage(size: ImageSize(width: 64, height: 48)))
        #expect(verifier.verdict(frames: good, tensionAtClosure: 3).status == .unknown)
        good["top"] = Frame(cameraName: "top", timestampSeconds: 0, image: RGBImage(size: ImageSize(width: 640, height: 480)))
        let blank = verifier.verdict(frames: good, tensionAtClosure: 3)
        #expect(blank.status == .unknown && !blank.success)
    }
}
