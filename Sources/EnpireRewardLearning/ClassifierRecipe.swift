public import EnpireLearning

/// How a success classifier is built and trained: the network's size, the augmentation, the optimiser and the
/// seeded split whose held-out part calibrates the decision threshold. Frozen into the classifier's sidecar, so
/// a frozen classifier says how it was made.
public struct ClassifierRecipe: Sendable, Codable, Equatable {
    /// Output channels of each stride-2 convolution stage.
    public var channels: [Int]
    /// Group-norm groups (must divide every channel count).
    public var groups: Int
    /// Width of the encoder's output before the 2-class head.
    public var features: Int
    /// How the last feature maps become the encoder's vector (sidecars written before this field existed decode
    /// as `spatialSoftmax`, what they were trained with).
    public var pooling: ConvEncoderSpecification.Pooling
    /// Largest DrQ random shift in input pixels during training (0 disables it).
    public var randomShift: Int
    /// Largest relative change of brightness and contrast applied to each training example (a lighting
    /// augmentation; 0 disables it).
    public var photometricJitter: Double
    /// Whether each training example is also flipped and transposed at random (one of the square's eight
    /// symmetries): for tasks whose success looks the same in any orientation (a cut tie), not for one judged
    /// against a fixed goal pose (Push-T). Sidecars written before this field existed decode as false.
    public var symmetries: Bool
    /// Passes over the training frames.
    public var epochs: Int
    /// Examples per Adam step.
    public var batchSize: Int
    /// Adam's learning rate.
    public var learningRate: Double
    /// Decoupled weight decay (AdamW) per unit of learning rate; 0 is plain Adam. Sidecars written before this
    /// field existed decode as 0.
    public var weightDecay: Double
    /// Seed of the initial weights, the split, the batches and the augmentation.
    public var seed: UInt64
    /// Cross-fitting folds: 1 trains one network on part of the clips and calibrates on the rest (split by
    /// ``calibrationFraction``); K ≥ 2 splits the clips of each outcome into K folds, trains one network per fold
    /// on the other folds, calibrates the threshold on every clip's out-of-fold P(success), and judges with the
    /// mean of the K networks. Sidecars written before this field existed decode as 1.
    public var folds: Int
    /// With K ≥ 2 folds: after the threshold is calibrated on the K fold networks' out-of-fold scores, train one
    /// more network on every clip and judge with it alone (K + 1 times the training time, one network's time per
    /// frame). The threshold comes from networks that saw fewer clips than the one that judges, a known
    /// approximation. Sidecars written before this field existed decode as false.
    public var refit: Bool
    /// With ``refit``: the share of the refit network's training target taken from the K fold networks' mean
    /// P(success) on the same example (distillation from the ensemble; 0: the labels alone). Sidecars written
    /// before this field existed decode as 0.
    public var distillation: Double
    /// Share of the clips held out to calibrate the threshold (split by clip, never by frame; one fold only).
    public var calibrationFraction: Double
    /// Cost of a false positive relative to a false negative when the threshold is picked.
    public var falsePositiveCost: Double

    /// Creates a recipe (defaults: 16, 32 and 32 channels, 32 features, shift 3, jitter 0.1, 80 epochs of batch 32,
    /// learning rate 2e-3, no weight decay, seed 0, 30 % of the clips for calibration, a false positive costs five
    /// false negatives).
    public init(channels: [Int] = [16, 32, 32], groups: Int = 4, features: Int = 32,
                pooling: ConvEncoderSpecification.Pooling = .spatialSoftmax, randomShift: Int = 3,
                photometricJitter: Double = 0.1, symmetries: Bool = false, epochs: Int = 80, batchSize: Int = 32, learningRate: Double = 2e-3,
                weightDecay: Double = 0, seed: UInt64 = 0, folds: Int = 1, refit: Bool = false,
                distillation: Double = 0, calibrationFraction: Double = 0.3, falsePositiveCost: Double = 5) {
        self.channels = channels
        self.groups = groups
        self.features = features
        self.pooling = pooling
        self.randomShift = randomShift
        self.photometricJitter = photometricJitter
        self.symmetries = symmetries
        self.epochs = epochs
        self.batchSize = batchSize
        self.learningRate = learningRate
        self.weightDecay = weightDecay
        self.seed = seed
        self.folds = folds
        self.refit = refit
        self.distillation = distillation
        self.calibrationFraction = calibrationFraction
        self.falsePositiveCost = falsePositiveCost
    }

    private enum CodingKeys: String, CodingKey {
        case channels, groups, features, pooling, randomShift, photometricJitter, symmetries, epochs, batchSize, learningRate, seed
        case weightDecay
        case folds, refit, distillation, calibrationFraction, falsePositiveCost
    }

    /// Decodes a recipe; a missing `pooling`, `symmetries`, `weightDecay`, `folds`, `refit` or `distillation`
    /// (older sidecars) means spatial softmax, no symmetries, no weight decay, one fold, no refit, no distillation.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(channels: c.decode([Int].self, forKey: .channels), groups: c.decode(Int.self, forKey: .groups),
                      features: c.decode(Int.self, forKey: .features),
                      pooling: c.decodeIfPresent(ConvEncoderSpecification.Pooling.self, forKey: .pooling)
                        ?? .spatialSoftmax,
                      randomShift: c.decode(Int.self, forKey: .randomShift),
                      photometricJitter: c.decode(Double.self, forKey: .photometricJitter),
                      symmetries: c.decodeIfPresent(Bool.self, forKey: .symmetries) ?? false,
                      epochs: c.decode(Int.self, forKey: .epochs), batchSize: c.decode(Int.self, forKey: .batchSize),
                      learningRate: c.decode(Double.self, forKey: .learningRate),
                      weightDecay: c.decodeIfPresent(Double.self, forKey: .weightDecay) ?? 0,
                      seed: c.decode(UInt64.self, forKey: .seed),
                      folds: c.decodeIfPresent(Int.self, forKey: .folds) ?? 1,
                      refit: c.decodeIfPresent(Bool.self, forKey: .refit) ?? false,
                      distillation: c.decodeIfPresent(Double.self, forKey: .distillation) ?? 0,
                      calibrationFraction: c.decode(Double.self, forKey: .calibrationFraction),
                      falsePositiveCost: c.decode(Double.self, forKey: .falsePositiveCost))
    }

    /// Encodes every field, `weightDecay` only when it is not 0, so a recipe without weight decay writes the same
    /// sidecar (and identity) as before the field existed.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(channels, forKey: .channels)
        try c.encode(groups, forKey: .groups)
        try c.encode(features, forKey: .features)
        try c.encode(pooling, forKey: .pooling)
        try c.encode(randomShift, forKey: .randomShift)
        try c.encode(photometricJitter, forKey: .photometricJitter)
        try c.encode(symmetries, forKey: .symmetries)
        try c.encode(epochs, forKey: .epochs)
        try c.encode(batchSize, forKey: .batchSize)
        try c.encode(learningRate, forKey: .learningRate)
        if weightDecay != 0 { try c.encode(weightDecay, forKey: .weightDecay) }
        try c.encode(seed, forKey: .seed)
        try c.encode(folds, forKey: .folds)
        try c.encode(refit, forKey: .refit)
        try c.encode(distillation, forKey: .distillation)
        try c.encode(calibrationFraction, forKey: .calibrationFraction)
        try c.encode(falsePositiveCost, forKey: .falsePositiveCost)
    }

    /// Checks the values a training run needs.
    ///
    /// - Throws: ``ClassifierError/badRecipe(_:)`` naming the first bad field.
    public func validate() throws(ClassifierError) {
        guard !channels.isEmpty, channels.allSatisfy({ $0 > 0 && $0 % max(groups, 1) == 0 }), groups > 0 else {
            throw .badRecipe("channels \(channels) must be positive multiples of groups \(groups)")
        }
        guard features > 0, randomShift >= 0, (0...0.5).contains(photometricJitter) else {
            throw .badRecipe("features must be > 0, randomShift ≥ 0 and photometricJitter in 0...0.5")
        }
        guard (1...10_000).contains(epochs), (1...1024).contains(batchSize), learningRate > 0 else {
            throw .badRecipe("epochs must be 1...10000, batchSize 1...1024 and learningRate > 0")
        }
        guard (0...10).contains(weightDecay) else { throw .badRecipe("weightDecay must be in 0...10") }
        guard (1...10).contains(folds) else { throw .badRecipe("folds must be 1...10") }
        guard !refit || folds >= 2 else { throw .badRecipe("refit needs folds ≥ 2 (the threshold comes from them)") }
        guard (0...1).contains(distillation), distillation == 0 || refit else {
            throw .badRecipe("distillation must be in 0...1 and needs refit (the fold networks are the teacher)")
        }
        guard (0.05...0.8).contains(calibrationFraction), falsePositiveCost > 0 else {
            throw .badRecipe("calibrationFraction must be 0.05...0.8 and falsePositiveCost > 0")
        }
    }
}
