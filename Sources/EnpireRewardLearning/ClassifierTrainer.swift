import Enpire
public import EnpireReward
import EnpireLearning
import Foundation
public import Logging

/// Trains a ``SuccessClassifier`` from labelled frames and calibrates its threshold on held-out clips.
///
/// The clips are shuffled with the recipe's seed and split by clip: ``ClassifierRecipe/calibrationFraction`` of
/// them (at least one of each outcome when there are two or more clips of it) are held out, the rest train the
/// network with Adam on the 2-class cross-entropy, with DrQ random shifts and a brightness/contrast jitter. The
/// threshold on P(success) is then picked on the held-out clips' frames (``ThresholdCalibration``), where a
/// false positive costs ``ClassifierRecipe/falsePositiveCost`` false negatives. With ``ClassifierRecipe/folds``
/// K ≥ 2 every clip serves both: K networks each learn from all folds but one, the threshold is picked on every
/// frame's out-of-fold P(success), and the classifier judges with the K networks' mean, or, with
/// ``ClassifierRecipe/refit``, with one more network trained on every clip (its targets mixed with the fold
/// networks' mean P(success) when ``ClassifierRecipe/distillation`` is above 0).
public struct ClassifierTrainer: Sendable {
    /// What a training run produced besides the network.
    public struct Report: Sendable, Codable, Equatable {
        /// Clips and frames in the training part.
        public var trainingClips: Int, trainingFrames: Int
        /// Clips and frames in the held-out calibration part.
        public var calibrationClips: Int, calibrationFrames: Int
        /// The calibrated threshold on P(success).
        public var threshold: Double
        /// Confusion counts on the training frames at the threshold.
        public var training: ClassificationMetrics
        /// Confusion counts on the held-out calibration frames at the threshold (the threshold was picked on
        /// them, so this is optimistic; a fresh held-out set is the real measure).
        public var calibration: ClassificationMetrics
        /// Mean loss of the first and the last epoch.
        public var firstEpochLoss: Double, lastEpochLoss: Double
        /// Wall-clock seconds of training and calibration.
        public var seconds: Double
    }

    /// The recipe.
    public var recipe: ClassifierRecipe

    /// Creates a trainer.
    public init(recipe: ClassifierRecipe = ClassifierRecipe()) {
        self.recipe = recipe
    }

    /// Trains on `examples` and returns the classifier with its calibrated threshold.
    ///
    /// - Throws: ``ClassifierError/badClips(_:)`` with fewer than two clips of either outcome or examples whose
    ///   size does not match `input`; ``ClassifierError/badRecipe(_:)`` for a bad recipe.
    public func train(_ examples: [ClassifierExample], input: ClassifierInput,
                      logger: Logger = Logger(label: "enpire.reward.classifier")) throws(ClassifierError)
        -> (classifier: SuccessClassifier, report: Report) {
        let start = Date()
        try recipe.validate()
        guard examples.allSatisfy({ $0.features.count == input.featureCount }) else {
            throw .badClips("every example must have \(input.featureCount) input values")
        }
        let classifier = try SuccessClassifier(input: input, recipe: recipe)
        let training: [ClassifierExample], calibration: [ClassifierExample], calibrationScores: [Double]
        var losses: [(first: Double, last: Double)] = []
        if recipe.folds == 1 {
            (training, calibration) = try split(examples)
            losses.append(try fit(classifier.network, on: training, input: input, seed: recipe.seed, logger: logger))
            calibrationScores = try classifier.probabilities(of: calibration)
        } else {
            // Cross-fitting: network k learns from every fold but k and scores fold k's frames.
            let fold = try folds(examples)
            var outOfFold: [(example: ClassifierExample, score: Double)] = []
            var foldNetworks: [Sequential] = []
            for k in 0..<recipe.folds {
                let own = examples.filter { fold[$0.clip] != k }, held = examples.filter { fold[$0.clip] == k }
                logger.info("classifier fold \(k + 1)/\(recipe.folds): \(own.count) training frames, \(held.count) held out")
                let network = recipe.refit
                    ? try SuccessClassifier.makeNetwork(input: input, recipe: recipe, index: k) : classifier.networks[k]
                losses.append(try fit(network, on: own, input: input, seed: recipe.seed &+ UInt64(k), logger: logger))
                foldNetworks.append(network)
                outOfFold += zip(held, try classifier.probabilities(of: held, network: network)).map { ($0, $1) }
            }
            if recipe.refit {
                logger.info("classifier refit on every clip: \(examples.count) training frames")
                losses.append(try fit(classifier.network, on: examples, input: input,
                                      seed: recipe.seed &+ UInt64(recipe.folds),
                                      teachers: recipe.distillation > 0 ? foldNetworks : [], logger: logger))
            }
            training = examples
            calibration = outOfFold.map(\.example)
            calibrationScores = outOfFold.map(\.score)
        }
        let picked = ThresholdCalibration.pick(scores: calibrationScores, labels: calibration.map(\.success),
                                               falsePositiveCost: recipe.falsePositiveCost)
        let trainingScores = try classifier.probabilities(of: training)
        let count = Double(losses.count)
        let report = Report(trainingClips: Set(training.map(\.clip)).count, trainingFrames: training.count,
                            calibrationClips: Set(calibration.map(\.clip)).count, calibrationFrames: calibration.count,
                            threshold: picked.threshold,
                            training: Self.metrics(trainingScores, training, threshold: picked.threshold),
                            calibration: Self.metrics(calibrationScores, calibration, threshold: picked.threshold),
                            firstEpochLoss: losses.map(\.first).reduce(0, +) / count,
                            lastEpochLoss: losses.map(\.last).reduce(0, +) / count,
                            seconds: Date().timeIntervalSince(start))
        return (classifier, report)
    }

    /// Trains one network on `training` (Adam, cosine schedule, the recipe's augmentation) and returns the mean loss
    /// of its first and last epoch.
    private func fit(_ network: Sequential, on training: [ClassifierExample], input: ClassifierInput, seed: UInt64,
                     teachers: [Sequential] = [], logger: Logger) throws(ClassifierError) -> (first: Double, last: Double) {
        let adam = Adam(parameters: network.parameters, learningRate: Float(recipe.learningRate),
                        weightDecay: Float(recipe.weightDecay), decoupledWeightDecay: recipe.weightDecay > 0,
                        schedule: .cosine(totalSteps: recipe.epochs * max(1, (training.count + recipe.batchSize - 1)
                                                                         / recipe.batchSize), minimumFactor: 0.05),
                        maxGradientNorm: 5)
        var rng = SplitMix64(seed: seed ^ 0x5EED_C1A5)
        var order = Array(training.indices)
        var batch = Tensor.zeros([0]), target = Tensor.zeros([0]), logits = Tensor.zeros([0])
        var gradient = Tensor.zeros([0]), teacherLogits = Tensor.zeros([0])
        let teacherShare = Float(recipe.distillation)
        let width = input.featureCount, loss = SoftmaxCrossEntropyLoss()
        // Where each input value reads from under each symmetry, computed once per network, not per example.
        let side = input.side, plane = side * side
        let sources = recipe.symmetries
            ? (0..<8).map { symmetry in (0..<width).map { Self.symmetricIndex($0, symmetry: symmetry, side: side, plane: plane) } }
            : []
        var firstLoss = 0.0, lastLoss = 0.0
        do {
            for epoch in 0..<recipe.epochs {
                shuffle(&order, rng: &rng)
                var total = 0.0, steps = 0
                var begin = 0
                while begin < order.count {
                    let rows = min(recipe.batchSize, order.count - begin)
                    batch.resize(rows: rows, columns: width)
                    target.resize(rows: rows, columns: 2)
                    for row in 0..<rows {
                        let example = training[order[begin + row]]
                        let contrast = Float(1 + recipe.photometricJitter * (2 * rng.nextUnitDouble() - 1))
                        let brightness = Float(recipe.photometricJitter * (2 * rng.nextUnitDouble() - 1))
                        let symmetry = recipe.symmetries ? Int(rng.next() % 8) : 0
                        if symmetry == 0 {
                            for i in 0..<width { batch.scalars[row * width + i] = example.features[i] * contrast + brightness }
                        } else {
                            let source = sources[symmetry]
                            for i in 0..<width {
                                batch.scalars[row * width + i] = example.features[source[i]] * contrast + brightness
                            }
                        }
                        target.scalars[row * 2] = example.success ? 0 : 1
                        target.scalars[row * 2 + 1] = example.success ? 1 : 0
                    }
                    if !teachers.isEmpty {
                        // The target's success share: the labels' mixed with the teachers' mean P(success). In
                        // Float here, not through SuccessClassifier's Double mean: the measured distilled models
                        // (Docs/Reward.md) were trained with exactly this arithmetic.
                        var mean = [Float](repeating: 0, count: rows)
                        for teacher in teachers {
                            try teacher.forward(batch, into: &teacherLogits, training: false)
                            for row in 0..<rows {
                                mean[row] += 1 / (1 + expf(teacherLogits[row, 0] - teacherLogits[row, 1]))
                            }
                        }
                        for row in 0..<rows {
                            let p = teacherShare * mean[row] / Float(teachers.count)
                                + (1 - teacherShare) * target.scalars[row * 2 + 1]
                            target.scalars[row * 2] = 1 - p
                            target.scalars[row * 2 + 1] = p
                        }
                    }
                    try network.forward(batch, into: &logits, training: true)
                    total += Double(try loss(logits: logits, target: target, gradient: &gradient))
                    try network.backward(gradient)
                    adam.step()
                    steps += 1
                    begin += rows
                }
                let mean = total / Double(max(steps, 1))
                if epoch == 0 { firstLoss = mean }
                lastLoss = mean
                if epoch % 10 == 0 || epoch == recipe.epochs - 1 {
                    logger.info("classifier epoch \(epoch + 1)/\(recipe.epochs): loss \(String(format: "%.4f", mean))")
                }
            }
        } catch {
            throw .badRecipe("training failed: \(error)")
        }
        return (firstLoss, lastLoss)
    }

    /// Assigns every clip to one of the recipe's folds: each outcome's clips shuffled with the recipe's seed and
    /// dealt round-robin, so every fold holds clips of both outcomes.
    ///
    /// - Throws: ``ClassifierError/badClips(_:)`` with fewer clips of an outcome than folds.
    public func folds(_ examples: [ClassifierExample]) throws(ClassifierError) -> [String: Int] {
        let byOutcome = Self.clipsByOutcome(examples)
        var result: [String: Int] = [:]
        var rng = SplitMix64(seed: recipe.seed)
        for outcome in [true, false] {
            var clips = byOutcome[outcome] ?? []
            guard clips.count >= recipe.folds else {
                throw .badClips("\(clips.count) \(outcome ? "success" : "failure") clip(s) for \(recipe.folds) folds; "
                    + "every fold needs a clip of each outcome")
            }
            shuffle(&clips, rng: &rng)
            for (index, clip) in clips.enumerated() { result[clip] = index % recipe.folds }
        }
        return result
    }

    /// Splits examples by clip: the held-out calibration part and the training part, seeded by the recipe.
    ///
    /// - Throws: ``ClassifierError/badClips(_:)`` with fewer than two clips of either outcome.
    public func split(_ examples: [ClassifierExample]) throws(ClassifierError)
        -> (training: [ClassifierExample], calibration: [ClassifierExample]) {
        let byOutcome = Self.clipsByOutcome(examples)
        var held = Set<String>()
        var rng = SplitMix64(seed: recipe.seed)
        for outcome in [true, false] {
            var clips = byOutcome[outcome] ?? []
            guard clips.count >= 2 else {
                throw .badClips("\(clips.count) \(outcome ? "success" : "failure") clip(s); at least two of each "
                    + "outcome are needed (one to train on, one to calibrate the threshold)")
            }
            shuffle(&clips, rng: &rng)
            let count = min(clips.count - 1, max(1, Int((Double(clips.count) * recipe.calibrationFraction).rounded())))
            held.formUnion(clips.prefix(count))
        }
        return (examples.filter { !held.contains($0.clip) }, examples.filter { held.contains($0.clip) })
    }

    /// Clip names by outcome, sorted: a clip is a success clip when any of its frames is a success.
    private static func clipsByOutcome(_ examples: [ClassifierExample]) -> [Bool: [String]] {
        var outcomeOfClip: [String: Bool] = [:]
        for example in examples { outcomeOfClip[example.clip] = example.success || (outcomeOfClip[example.clip] ?? false) }
        return Dictionary(grouping: outcomeOfClip.keys.sorted()) { outcomeOfClip[$0]! }
    }

    /// Confusion counts of `scores` against the examples' labels at `threshold`.
    public static func metrics(_ scores: [Double], _ examples: [ClassifierExample], threshold: Double)
        -> ClassificationMetrics {
        var metrics = ClassificationMetrics()
        for (score, example) in zip(scores, examples) { metrics.record(predicted: score > threshold, truth: example.success) }
        return metrics
    }

    /// Where output feature `index` of a `side`×`side` NCHW example reads from under `symmetry` (0...7: bit 0
    /// mirrors x, bit 1 mirrors y, bit 2 swaps x and y).
    public static func symmetricIndex(_ index: Int, symmetry: Int, side: Int, plane: Int) -> Int {
        let channel = index / plane, pixel = index % plane
        var y = pixel / side, x = pixel % side
        if symmetry & 4 != 0 { swap(&x, &y) }
        if symmetry & 1 != 0 { x = side - 1 - x }
        if symmetry & 2 != 0 { y = side - 1 - y }
        return channel * plane + y * side + x
    }

    private func shuffle<T>(_ values: inout [T], rng: inout SplitMix64) {
        guard values.count > 1 else { return }
        for i in stride(from: values.count - 1, to: 0, by: -1) {
            let j = Int(rng.next() % UInt64(i + 1))
            values.swapAt(i, j)
        }
    }
}
