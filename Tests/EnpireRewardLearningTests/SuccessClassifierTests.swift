import Enpire
import EnpireReward
import EnpireLearning
import EnpireRewardLearning
import Foundation
import Testing

/// Two visually distinct classes: a bright square on the left of the frame (success) or on the right (failure),
/// on a noisy grey background, with the square's position jittered per clip.
enum SyntheticClips {
    static let size = ImageSize(width: 64, height: 48)

    static func image(success: Bool, rng: inout SplitMix64) -> RGBImage {
        var image = RGBImage(size: size, fill: (120, 120, 120))
        for i in 0..<image.pixels.count { image.pixels[i] = UInt8(100 + Int(rng.next() % 40)) }
        let x0 = (success ? 8 : 40) + Int(rng.next() % 6), y0 = 14 + Int(rng.next() % 10)
        for y in y0..<(y0 + 12) {
            for x in x0..<(x0 + 12) {
                let at = (y * size.width + x) * 3
                image.pixels[at] = 240; image.pixels[at + 1] = 200; image.pixels[at + 2] = 40
            }
        }
        return image
    }

    /// How many of 40 fresh frames (alternately success and failure) `classifier` judges right at `threshold`.
    static func freshFramesRight(_ classifier: SuccessClassifier, threshold: Double) throws -> Int {
        var rng = SplitMix64(seed: 99)
        var correct = 0
        for index in 0..<40 {
            let success = index % 2 == 0
            let p = try classifier.probability(of: image(success: success, rng: &rng))
            if (p > threshold) == success { correct += 1 }
        }
        return correct
    }

    /// `clips` clips per class of `frames` frames each.
    static func examples(clips: Int, frames: Int, input: ClassifierInput, seed: UInt64) throws -> [ClassifierExample] {
        var rng = SplitMix64(seed: seed)
        var examples: [ClassifierExample] = []
        for clip in 0..<(2 * clips) {
            let success = clip % 2 == 0
            for _ in 0..<frames {
                examples.append(ClassifierExample(features: try input.features(of: image(success: success, rng: &rng)),
                                                  success: success, clip: "clip\(clip)"))
            }
        }
        return examples
    }
}

@Suite("Learned success classifier")
struct SuccessClassifierTests {
    @Test("the crop's box averages equal adding every pixel of every box directly, float for float",
          arguments: [8, 13, 37])
    func boxAveragesMatchDirectSums(side: Int) throws {
        let size = ImageSize(width: 64, height: 80)
        var generator = SplitMix64(seed: UInt64(side))
        let pixels = (0..<(size.width * size.height * 3)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        let image = RGBImage(size: size, pixels: pixels)
        let region = RegionOfInterest(x: 5, y: 7, width: 53, height: 61)
        let input = try ClassifierInput(resolution: size, region: region, side: side)
        let features = try input.features(of: image)
        var expected = [Float](repeating: 0, count: input.featureCount)
        let plane = side * side
        for oy in 0..<side {
            let y0 = region.y + oy * region.height / side, y1 = region.y + (oy + 1) * region.height / side
            for ox in 0..<side {
                let x0 = region.x + ox * region.width / side, x1 = region.x + (ox + 1) * region.width / side
                var sums = [0, 0, 0]
                for y in y0..<y1 {
                    for x in x0..<x1 {
                        for channel in 0..<3 { sums[channel] += Int(pixels[(y * size.width + x) * 3 + channel]) }
                    }
                }
                let scale = 1 / (255 * Float((y1 - y0) * (x1 - x0)))
                for channel in 0..<3 { expected[channel * plane + oy * side + ox] = Float(sums[channel]) * scale - 0.5 }
            }
        }
        #expect(features == expected)
    }

    static let recipe = ClassifierRecipe(channels: [8, 16], groups: 4, features: 16, randomShift: 2, epochs: 15,
                                         batchSize: 16, learningRate: 3e-3, seed: 3)

    /// The synthetic training set most tests use: 8 clips of each outcome, 4 frames each, at 24 px.
    static func syntheticSet() throws -> (ClassifierInput, [ClassifierExample]) {
        let input = try ClassifierInput(resolution: SyntheticClips.size, side: 24)
        return (input, try SyntheticClips.examples(clips: 8, frames: 4, input: input, seed: 1))
    }

    /// Freezes `classifier` into a temporary folder and loads it back, checking the sidecar's hash.
    static func frozenAndLoaded(_ classifier: SuccessClassifier, report: ClassifierTrainer.Report) throws -> SuccessClassifier {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("classifier-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = try ClassifierModel.freeze(classifier, report: report, task: "synthetic", cameraName: "top", to: folder)
        return try ClassifierModel.load(from: folder, expectedHash: model.identity).classifier
    }

    static func trained() throws -> (SuccessClassifier, ClassifierTrainer.Report, ClassifierInput) {
        let (input, examples) = try Self.syntheticSet()
        let (classifier, report) = try ClassifierTrainer(recipe: recipe).train(examples, input: input)
        return (classifier, report, input)
    }

    @Test("training on a tiny synthetic set separates two visually distinct classes on fresh frames")
    func separatesClasses() throws {
        let (classifier, report, _) = try Self.trained()
        #expect(report.lastEpochLoss < report.firstEpochLoss * 0.5)
        #expect(report.calibrationClips >= 2 && report.trainingClips >= 2)
        let correct = try SyntheticClips.freshFramesRight(classifier, threshold: report.threshold)
        #expect(correct >= 38, "\(correct)/40 fresh frames right")
    }

    @Test("the threshold minimises cost with false positives dearer, ties to the widest gap")
    func thresholdCalibration() {
        let separable = ThresholdCalibration.pick(scores: [0.1, 0.2, 0.8, 0.9], labels: [false, false, true, true],
                                                  falsePositiveCost: 5)
        #expect(separable.cost == 0 && abs(separable.threshold - 0.5) < 1e-9)
        // A failure at 0.7 among successes: passing it costs 5, missing the 0.6 success costs 1.
        let costly = ThresholdCalibration.pick(scores: [0.1, 0.6, 0.7, 0.9], labels: [false, true, false, true],
                                               falsePositiveCost: 5)
        #expect(costly.cost == 1 && costly.threshold > 0.7 && costly.threshold < 0.9)
        let cheap = ThresholdCalibration.pick(scores: [0.1, 0.6, 0.7, 0.9], labels: [false, true, false, true],
                                              falsePositiveCost: 0.5)
        #expect(cheap.cost == 0.5 && cheap.threshold < 0.6)
        // Two thresholds of equal cost (0.15 and 0.6): the tie goes to the middle of the wider gap.
        let tie = ThresholdCalibration.pick(scores: [0.1, 0.2, 0.3, 0.9], labels: [false, true, false, true],
                                            falsePositiveCost: 1)
        #expect(tie.cost == 1 && abs(tie.threshold - 0.6) < 1e-9)
    }

    @Test("the split keeps clips whole, holds out both outcomes, and refuses one outcome")
    func splitByClip() throws {
        let input = try ClassifierInput(resolution: SyntheticClips.size, side: 16)
        let examples = try SyntheticClips.examples(clips: 5, frames: 3, input: input, seed: 2)
        let (training, calibration) = try ClassifierTrainer(recipe: Self.recipe).split(examples)
        #expect(Set(training.map(\.clip)).isDisjoint(with: Set(calibration.map(\.clip))))
        #expect(calibration.contains(where: \.success) && calibration.contains { !$0.success })
        #expect(training.count + calibration.count == examples.count)
        let oneOutcome = examples.filter(\.success)
        #expect(throws: ClassifierError.self) { try ClassifierTrainer(recipe: Self.recipe).split(oneOutcome) }
    }

    @Test("the eight symmetries are distinct permutations of each channel; the identity is symmetry 0")
    func symmetryIndices() {
        let side = 4, plane = 16, width = 3 * plane
        var seen = Set<[Int]>()
        for symmetry in 0..<8 {
            let map = (0..<width).map { ClassifierTrainer.symmetricIndex($0, symmetry: symmetry, side: side, plane: plane) }
            #expect(Set(map).count == width)
            #expect(map.enumerated().allSatisfy { $0.offset / plane == $0.element / plane })
            seen.insert(map)
        }
        #expect(seen.count == 8)
        #expect((0..<width).allSatisfy { ClassifierTrainer.symmetricIndex($0, symmetry: 0, side: side, plane: plane) == $0 })
        // Mirroring x: pixel (y 1, x 0) reads from (y 1, x 3).
        #expect(ClassifierTrainer.symmetricIndex(4, symmetry: 1, side: side, plane: plane) == 7)
    }

    @Test("symmetries are applied in training: mirrored copies make a left-or-right task unlearnable")
    func symmetriesAreApplied() throws {
        let (input, examples) = try Self.syntheticSet()
        var recipe = Self.recipe
        recipe.symmetries = true
        let (_, mirrored) = try ClassifierTrainer(recipe: recipe).train(examples, input: input)
        let (_, plain, _) = try Self.trained()
        #expect(plain.lastEpochLoss < plain.firstEpochLoss * 0.5)
        #expect(mirrored.lastEpochLoss > 0.4, "loss \(mirrored.lastEpochLoss) with mirrored copies")
    }

    @Test("global max pooling and symmetries freeze into the sidecar; older sidecars decode as before")
    func recipeFieldsRoundTrip() throws {
        var recipe = Self.recipe
        recipe.pooling = .globalMax
        recipe.symmetries = true
        let input = try ClassifierInput(resolution: SyntheticClips.size, side: 24)
        let examples = try SyntheticClips.examples(clips: 8, frames: 2, input: input, seed: 4)
        recipe.epochs = 2
        let (classifier, report) = try ClassifierTrainer(recipe: recipe).train(examples, input: input)
        let loaded = try Self.frozenAndLoaded(classifier, report: report)
        #expect(loaded.recipe == recipe)
        var rng = SplitMix64(seed: 6)
        let image = SyntheticClips.image(success: false, rng: &rng)
        #expect(try loaded.probability(of: image) == classifier.probability(of: image))
        // A recipe as sidecars wrote it before these fields existed.
        var old = try JSONSerialization.jsonObject(with: JSONEncoder().encode(Self.recipe)) as! [String: Any]
        old["pooling"] = nil
        old["symmetries"] = nil
        let decoded = try JSONDecoder().decode(ClassifierRecipe.self, from: JSONSerialization.data(withJSONObject: old))
        #expect(decoded == Self.recipe && decoded.pooling == .spatialSoftmax && !decoded.symmetries)
    }

    @Test("cross-fitting: K networks, every clip calibrates out of fold, the mean separates classes and freezes")
    func crossFitting() throws {
        var recipe = Self.recipe
        recipe.folds = 3
        let (input, examples) = try Self.syntheticSet()
        let (classifier, report) = try ClassifierTrainer(recipe: recipe).train(examples, input: input)
        #expect(classifier.networks.count == 3)
        #expect(report.calibrationClips == 16 && report.calibrationFrames == examples.count)
        let correct = try SyntheticClips.freshFramesRight(classifier, threshold: report.threshold)
        #expect(correct >= 38, "\(correct)/40 fresh frames right")
        let loaded = try Self.frozenAndLoaded(classifier, report: report)
        var rng = SplitMix64(seed: 98)
        let image = SyntheticClips.image(success: true, rng: &rng)
        #expect(try loaded.probability(of: image) == classifier.probability(of: image))
        // The ensemble's P(success) is the mean of its members'.
        let features = try Tensor(shape: [1, input.featureCount], scalars: input.features(of: image))
        let members = try (0..<3).map { try classifier.probabilities(ofBatch: features, member: $0)[0] }
        #expect(abs(try classifier.probabilities(ofBatch: features)[0] - members.reduce(0, +) / 3) < 1e-12)
        // Fewer clips of an outcome than folds is refused.
        recipe.folds = 9
        #expect(throws: ClassifierError.self) { try ClassifierTrainer(recipe: recipe).train(examples, input: input) }
    }

    @Test("refit: the threshold comes from the folds' out-of-fold scores, one network trained on every clip judges")
    func refitAfterCrossFitting() throws {
        var recipe = Self.recipe
        recipe.folds = 3
        let (input, examples) = try Self.syntheticSet()
        let ensemble = try ClassifierTrainer(recipe: recipe).train(examples, input: input)
        recipe.refit = true
        let (classifier, report) = try ClassifierTrainer(recipe: recipe).train(examples, input: input)
        #expect(classifier.networks.count == 1)
        // The same fold networks (same seeds) score the same out-of-fold frames, so the threshold is the ensemble's.
        #expect(report.threshold == ensemble.report.threshold)
        #expect(report.calibrationClips == 16 && report.calibrationFrames == examples.count)
        #expect(report.trainingClips == 16 && report.trainingFrames == examples.count)
        let correct = try SyntheticClips.freshFramesRight(classifier, threshold: report.threshold)
        #expect(correct >= 38, "\(correct)/40 fresh frames right")
        let loaded = try Self.frozenAndLoaded(classifier, report: report)
        #expect(loaded.recipe.refit && loaded.networks.count == 1)
        var rng = SplitMix64(seed: 99)
        let image = SyntheticClips.image(success: true, rng: &rng)
        #expect(try loaded.probability(of: image) == classifier.probability(of: image))
        // A refit needs folds to calibrate on; older sidecars (no field) do not refit.
        recipe.folds = 1
        #expect(throws: ClassifierError.self) { try recipe.validate() }
        var old = try JSONSerialization.jsonObject(with: JSONEncoder().encode(Self.recipe)) as! [String: Any]
        old["refit"] = nil
        let decoded = try JSONDecoder().decode(ClassifierRecipe.self, from: JSONSerialization.data(withJSONObject: old))
        #expect(decoded == Self.recipe && !decoded.refit)
    }

    @Test("distillation: the refit network learns from the folds' mean as well as the labels; it needs a refit")
    func distillationFromTheFolds() throws {
        var recipe = Self.recipe
        recipe.folds = 3
        recipe.refit = true
        let (input, examples) = try Self.syntheticSet()
        let plain = try ClassifierTrainer(recipe: recipe).train(examples, input: input)
        recipe.distillation = 0.5
        let (classifier, report) = try ClassifierTrainer(recipe: recipe).train(examples, input: input)
        // The same folds calibrate the same threshold; the teachers change the refit network's targets, so its
        // weights differ from the labels-only refit's.
        #expect(report.threshold == plain.report.threshold)
        var rng = SplitMix64(seed: 17)
        let image = SyntheticClips.image(success: false, rng: &rng)
        #expect(try classifier.probability(of: image) != plain.classifier.probability(of: image))
        let correct = try SyntheticClips.freshFramesRight(classifier, threshold: report.threshold)
        #expect(correct >= 38, "\(correct)/40 fresh frames right")
        #expect(try Self.frozenAndLoaded(classifier, report: report).recipe.distillation == 0.5)
        recipe.distillation = 1.5
        #expect(throws: ClassifierError.self) { try recipe.validate() }
        recipe.distillation = 0.5
        recipe.refit = false
        #expect(throws: ClassifierError.self) { try recipe.validate() }
        var old = try JSONSerialization.jsonObject(with: JSONEncoder().encode(Self.recipe)) as! [String: Any]
        old["distillation"] = nil
        let decoded = try JSONDecoder().decode(ClassifierRecipe.self, from: JSONSerialization.data(withJSONObject: old))
        #expect(decoded == Self.recipe && decoded.distillation == 0)
    }

    @Test("freezing: the sidecar's hash is the identity; a different expected hash or changed weights are refused")
    func freezeAndHash() throws {
        let (classifier, report, _) = try Self.trained()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("classifier-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = try ClassifierModel.freeze(classifier, report: report, task: "synthetic", cameraName: "top", to: folder)
        let sidecar = try Data(contentsOf: folder.appendingPathComponent(ClassifierModel.sidecarName))
        #expect(model.identity == SHA256.hex(sidecar))
        let loaded = try ClassifierModel.load(from: folder, expectedHash: model.identity)
        var rng = SplitMix64(seed: 5)
        let image = SyntheticClips.image(success: true, rng: &rng)
        #expect(try loaded.classifier.probability(of: image) == classifier.probability(of: image))
        #expect(throws: ClassifierError.self) {
            try ClassifierModel.load(from: folder, expectedHash: String(repeating: "0", count: 64))
        }
        // Flip one byte of the weights: the sidecar's weight hash no longer matches.
        let weightsURL = folder.appendingPathComponent(ClassifierModel.weightsName)
        var weights = try Data(contentsOf: weightsURL)
        weights[weights.count - 1] ^= 0xFF
        try weights.write(to: weightsURL)
        #expect(throws: ClassifierError.self) { try ClassifierModel.load(from: folder) }
    }

    @Test("crafted or corrupt files are refused with an error, never a crash")
    func corruptFiles() throws {
        let (classifier, report, _) = try Self.trained()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("classifier-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        _ = try ClassifierModel.freeze(classifier, report: report, task: "synthetic", cameraName: "top", to: folder)
        let sidecarURL = folder.appendingPathComponent(ClassifierModel.sidecarName)
        let good = try Data(contentsOf: sidecarURL)
        let text = String(decoding: good, as: UTF8.self)
        let crafted = [Data(), Data("{".utf8), Data(good.prefix(good.count / 2)),
                       Data(text.replacingOccurrences(of: ClassifierModel.currentFormat, with: "enpire.other").utf8),
                       Data(text.replacingOccurrences(of: "\"side\" : 24", with: "\"side\" : 4000").utf8)]
        for bytes in crafted {
            try bytes.write(to: sidecarURL)
            #expect(throws: ClassifierError.self) { try ClassifierModel.load(from: folder) }
        }
        try good.write(to: sidecarURL)
        // Weights that are not safetensors, with the sidecar still naming the old hash: refused on the hash.
        try Data("not safetensors".utf8).write(to: folder.appendingPathComponent(ClassifierModel.weightsName))
        #expect(throws: ClassifierError.self) { try ClassifierModel.load(from: folder) }
        #expect(throws: ClassifierError.self) { try ClassifierModel.load(from: folder.appendingPathComponent("missing")) }
    }

    @Test("with 3 confirmations a live success needs 3 consecutive frames; a failure, an unknown frame or a new episode restarts the count")
    func confirmationStreak() async throws {
        let (classifier, report, input) = try Self.trained()
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
        let plain = ClassifierReward(model: model, classifier: try Self.trained().0)
        let alone = try await plain.evaluate(EpisodeContext(
            observation: Observation(stepIndex: 0, elapsedSeconds: 0, arms: [],
                                     frames: ["top": Frame(cameraName: "top", timestampSeconds: 0, jpeg: pass)]),
            isFinal: false))
        #expect(plain.identity == model.identity && alone.success)
    }

    @Test("a JPEG frame's verdict decodes only the model's region and scores exactly as the whole decoded frame does")
    func windowScoresAsWholeFrame() throws {
        let (_, report, _) = try Self.trained()
        let size = ImageSize(width: 160, height: 120)
        let input = try ClassifierInput(resolution: size, region: RegionOfInterest(x: 37, y: 21, width: 90, height: 75),
                                        side: 24)
        let classifier = try SuccessClassifier(input: input, recipe: Self.recipe)
        let check = try SuccessClassifier(input: input, recipe: Self.recipe)   // same seed, same weights
        let model = ClassifierModel(task: "synthetic", cameraName: "top", input: input, recipe: Self.recipe,
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
        var recipe = Self.recipe
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
        let (classifier, report, input) = try Self.trained()
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
