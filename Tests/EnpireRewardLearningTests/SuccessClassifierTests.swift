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

    /// Trains `recipe` for its (few) epochs on synthetic clips, freezes and loads it, and checks that the loaded
    /// classifier has the recipe and gives the trained one's probability on a fresh image; returns the trained
    /// classifier, that image and the training set.
    static func roundTripped(_ recipe: ClassifierRecipe) throws
        -> (classifier: SuccessClassifier, image: RGBImage, input: ClassifierInput, examples: [ClassifierExample]) {
        let input = try ClassifierInput(resolution: SyntheticClips.size, side: 24)
        let examples = try SyntheticClips.examples(clips: 8, frames: 2, input: input, seed: 4)
        let (classifier, report) = try ClassifierTrainer(recipe: recipe).train(examples, input: input)
        let loaded = try Self.frozenAndLoaded(classifier, report: report)
        #expect(loaded.recipe == recipe)
        var rng = SplitMix64(seed: 6)
        let image = SyntheticClips.image(success: false, rng: &rng)
        #expect(try loaded.probability(of: image) == classifier.probability(of: image))
        return (classifier, image, input, examples)
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
        recipe.epochs = 2
        _ = try Self.roundTripped(recipe)
        // A recipe as sidecars wrote it before these fields existed.
        var old = try JSONSerialization.jsonObject(with: JSONEncoder().encode(Self.recipe)) as! [String: Any]
        old["pooling"] = nil
        old["symmetries"] = nil
        let decoded = try JSONDecoder().decode(ClassifierRecipe.self, from: JSONSerialization.data(withJSONObject: old))
        #expect(decoded == Self.recipe && decoded.pooling == .spatialSoftmax && !decoded.symmetries)
    }

    @Test("linear readout and weight decay freeze into the sidecar; no weight decay writes no field; decay is used")
    func readoutAndWeightDecayRoundTrip() throws {
        var recipe = Self.recipe
        recipe.pooling = .linearReadout
        recipe.weightDecay = 1
        recipe.epochs = 2
        let (classifier, image, input, examples) = try Self.roundTripped(recipe)
        // The same recipe without weight decay trains other weights (the optimiser reads the field).
        var plain = recipe
        plain.weightDecay = 0
        let (undecayed, _) = try ClassifierTrainer(recipe: plain).train(examples, input: input)
        #expect(try undecayed.probability(of: image) != classifier.probability(of: image))
        // Without weight decay the sidecar's recipe is what it was before the field existed, and decodes back.
        let written = try JSONSerialization.jsonObject(with: JSONEncoder().encode(plain)) as! [String: Any]
        #expect(written["weightDecay"] == nil && written["pooling"] as? String == "linearReadout")
        let decoded = try JSONDecoder().decode(ClassifierRecipe.self, from: JSONSerialization.data(withJSONObject: written))
        #expect(decoded == plain)
        recipe.weightDecay = -0.1
        #expect(throws: ClassifierError.self) { try recipe.validate() }
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
}
