import Enpire
import EnpireReward
import EnpireLearning
import EnpireRewardLearning
import Foundation
import Testing

/// The classifier as a station's `RewardFunction`: confirmations, region decoding, ensembles and unknown frames.
@Suite("Success classifier as a reward")
struct ClassifierRewardTests {
    @Test("with 3 confirmations a live success needs 3 consecutive frames; a failure, an unknown frame or a new episode restarts the count")
    func confirmationStreak() async throws {
        let (classifier, report, input) = try SuccessClassifierTests.trained()
        let model = ClassifierModel(task: "synthetic", cameraName: "top", input: input, recipe: classifier.recipe,
                                    threshold: report.threshold, training: report, weightsSHA256: "")
        let reward = ClassifierReward(model: model, classifier: classifier, confirmations: 3)
        #expect(reward.identity == model.identity + "+confirmations:3")
        let codec = try JPEGCodec()
        var rng = SplitMix64(seed: 12)
        let pass = try codec.encode(SyntheticClips.image(success: true, rng: &rng), quality: 90)
        let fail = try codec.encode(SyntheticClips.image(success: false, rng: &rng), quality: 90)
        #expect(reward.verdict(for: Frame(cameraName: "top", timestampSeconds: 0, jpeg: pass)).success)
        #expect(!reward.verdict(for: Frame(cameraName: "top", timestampSeconds: 0, jpeg: fail)).success)
        func live(_ jpeg: [UInt8]?, final: Bool = false) async throws -> Verdict {
            let frames = jpeg.map { ["top": Frame(cameraName: "top", timestampSeconds: 0, jpeg: $0)] } ?? [:]
            return try await reward.evaluate(EpisodeContext(
                observation: Observation(stepIndex: 0, elapsedSeconds: 0, arms: [], frames: frames), isFinal: final))
        }
        let first = try await live(pass), second = try await live(pass), third = try await live(pass)
        #expect(!first.success && first.status == .boundary && first.votes.allSatisfy { !$0.success })
        #expect(!second.success && third.success && third.status == .confirmedPass)
        // A failure frame, then a missing camera, each break the streak.
        _ = try await live(fail)
        _ = try await live(pass)
        _ = try await live(pass)
        let missing = try await live(nil)
        let afterMissing = try await live(pass)
        #expect(missing.status == .unknown && !afterMissing.success)
        // A new episode starts at zero; its last frame is judged by the threshold alone.
        _ = try await live(pass)
        let metadata = EpisodeMetadata(id: "e2", task: "synthetic", station: "s", policy: "p", startedAtUnixSeconds: 0,
                                       arms: [], cameras: ["top"])
        await reward.beginEpisode(metadata, firstObservation: nil)
        let restarted = try await live(pass)
        let final = try await live(pass, final: true)
        #expect(!restarted.success && final.success)
        // One confirmation is the frame alone, with the model's own identity.
        let plain = ClassifierReward(model: model, classifier: try SuccessClassifierTests.trained().0)
        let alone = try await plain.evaluate(EpisodeContext(
            observation: Observation(stepIndex: 0, elapsedSeconds: 0, arms: [],
                                     frames: ["top": Frame(cameraName: "top", timestampSeconds: 0, jpeg: pass)]),
            isFinal: false))
        #expect(plain.identity == model.identity && alone.success)
    }

    @Test("a JPEG frame's verdict decodes only the model's region and scores exactly as the whole decoded frame does")
    func windowScoresAsWholeFrame() throws {
        let (_, report, _) = try SuccessClassifierTests.trained()
        let size = ImageSize(width: 160, height: 120)
        let input = try ClassifierInput(resolution: size, region: RegionOfInterest(x: 37, y: 21, width: 90, height: 75),
                                        side: 24)
        let classifier = try SuccessClassifier(input: input, recipe: SuccessClassifierTests.recipe)
        let check = try SuccessClassifier(input: input, recipe: SuccessClassifierTests.recipe)   // same seed, same weights
        let model = ClassifierModel(task: "synthetic", cameraName: "top", input: input, recipe: SuccessClassifierTests.recipe,
                                    threshold: 0.5, training: report, weightsSHA256: "")
        let reward = ClassifierReward(model: model, classifier: classifier)
        let codec = try JPEGCodec()
        var rng = SplitMix64(seed: 21)
        for _ in 0..<4 {
            let pixels = (0..<(size.width * size.height * 3)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            let jpeg = try codec.encode(RGBImage(size: size, pixels: pixels), quality: 90)
            let whole = try codec.decode(jpeg)
            let expected = try check.probability(of: whole)
            let fromJPEG = reward.verdict(for: Frame(cameraName: "top", timestampSeconds: 0, jpeg: jpeg))
            let fromPixels = reward.verdict(for: Frame(cameraName: "top", timestampSeconds: 0, image: whole))
            #expect(fromJPEG.score == expected && fromPixels.score == expected)
        }
        var window = RGBImage(size: ImageSize(width: 0, height: 0), pixels: [])
        #expect(throws: ClassifierError.self) { try check.probability(ofWindow: window) }
        window = RGBImage(size: ImageSize(width: 90, height: 74), fill: (1, 2, 3))
        #expect(throws: ClassifierError.self) { try check.probability(ofWindow: window) }
    }

    @Test("one frame through a 5-fold ensemble (sharing the folds' first convolution) scores the folds' mean exactly",
          arguments: [ConvEncoderSpecification.Pooling.spatialSoftmax, .globalMax])
    func ensembleFrameMatchesFoldMean(pooling: ConvEncoderSpecification.Pooling) throws {
        let size = ImageSize(width: 120, height: 90)
        let input = try ClassifierInput(resolution: size, region: RegionOfInterest(x: 10, y: 5, width: 96, height: 80),
                                        side: 32)
        var recipe = SuccessClassifierTests.recipe
        recipe.folds = 5
        recipe.pooling = pooling
        let classifier = try SuccessClassifier(input: input, recipe: recipe)
        #expect(classifier.networks.count == 5 && classifier.sharesFirstConvolution)
        // Its checkpoint names are those of a network built alone (sharing the first layer renames nothing).
        let alone = try SuccessClassifier.makeNetwork(input: input, recipe: recipe, index: 0)
        #expect(classifier.networks[0].parameters.map(\.name) == alone.parameters.map(\.name))
        #expect(Set(classifier.stateDictionary().keys).contains("fold0.\(alone.parameters[0].name)"))
        var rng = SplitMix64(seed: 31)
        for _ in 0..<3 {
            let image = RGBImage(size: size, pixels: (0..<(size.width * size.height * 3)).map { _ in
                UInt8(truncatingIfNeeded: rng.next())
            })
            let features = try Tensor(shape: [1, input.featureCount], scalars: input.features(of: image))
            var mean = 0.0
            for member in 0..<5 { mean += try classifier.probabilities(ofBatch: features, member: member)[0] }
            #expect(try classifier.probability(of: image) == mean / 5)
        }
    }

    @Test("the reward gives unknown for a missing camera, a corrupt JPEG or a wrong size, and a vote for fusion")
    func rewardUnknowns() async throws {
        let (classifier, report, input) = try SuccessClassifierTests.trained()
        let model = ClassifierModel(task: "synthetic", cameraName: "top", input: input, recipe: classifier.recipe,
                                    threshold: report.threshold, training: report, weightsSHA256: "")
        let reward = ClassifierReward(model: model, classifier: classifier)
        let codec = try JPEGCodec()
        var rng = SplitMix64(seed: 8)
        let good = try codec.encode(SyntheticClips.image(success: true, rng: &rng), quality: 90)
        let judged = reward.verdict(for: Frame(cameraName: "top", timestampSeconds: 0, jpeg: good))
        #expect(judged.success && judged.status != .unknown && judged.votes.first?.source == "classifier:top")
        #expect(judged.latencySeconds > 0)
        let corrupt = reward.verdict(for: Frame(cameraName: "top", timestampSeconds: 0, jpeg: Array(good.prefix(40))))
        #expect(corrupt.status == .unknown && !corrupt.success)
        let empty = reward.verdict(for: Frame(cameraName: "top", timestampSeconds: 0))
        #expect(empty.status == .unknown && !empty.success)
        let wrong = reward.verdict(for: Frame(cameraName: "top", timestampSeconds: 0,
                                              image: RGBImage(size: ImageSize(width: 32, height: 32), fill: (200, 200, 200))))
        #expect(wrong.status == .unknown && !wrong.success)
        let missing = try await reward.evaluate(EpisodeContext(
            observation: Observation(stepIndex: 0, elapsedSeconds: 0, arms: [],
                                     frames: ["side": Frame(cameraName: "side", timestampSeconds: 0, jpeg: good)]),
            isFinal: true))
        #expect(missing.status == .unknown && !missing.success)
        let live = try await reward.evaluate(EpisodeContext(
            observation: Observation(stepIndex: 0, elapsedSeconds: 0, arms: [],
                                     frames: ["top": Frame(cameraName: "top", timestampSeconds: 0, jpeg: good)]),
            isFinal: false))
        #expect(live.success == judged.success && live.score == judged.score)
        let fused = VoteFusion.fuse(judged.votes + [Vote(source: "analyser", success: true, score: 1)], rule: .all,
                                    expectedSources: ["classifier:top", "analyser"])
        #expect(fused.success)
    }
}
