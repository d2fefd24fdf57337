import Foundation
public import Enpire
public import EnpireLearning

/// A small CNN that gives P(success) for one camera frame: the frame's crop (``ClassifierInput``) through a
/// `ConvEncoderSpecification` encoder (stride-2 convolutions, group norm, spatial softmax, optional DrQ random
/// shift in training), then ReLU and a 2-class linear head.
///
/// Not thread-safe: it owns its network's buffers. ``ClassifierReward`` keeps it behind a lock.
public final class SuccessClassifier {
    /// How frames become inputs.
    public let input: ClassifierInput
    /// How the network was built and trained.
    public let recipe: ClassifierRecipe
    /// The network (encoder, ReLU, 2-class linear head); its logits are (failure, success).
    public let network: Sequential
    private var batch: Tensor
    private var logits = Tensor.zeros([0])

    /// Builds an untrained classifier (weights drawn from the recipe's seed).
    ///
    /// - Throws: ``ClassifierError/badRecipe(_:)`` when the recipe does not fit the input (for example more
    ///   stages than the input size allows).
    public init(input: ClassifierInput, recipe: ClassifierRecipe) throws(ClassifierError) {
        try recipe.validate()
        self.input = input
        self.recipe = recipe
        var rng = SplitMix64(seed: recipe.seed)
        let specification = Self.encoder(input: input, recipe: recipe)
        do {
            var layers = try specification.makeLayers(rng: &rng)
            layers.append(ReLU(features: recipe.features))
            layers.append(Linear(inputFeatures: recipe.features, outputFeatures: 2, rng: &rng))
            network = try Sequential(layers)
        } catch {
            throw .badRecipe("cannot build the network: \(error)")
        }
        batch = Tensor.zeros([1, input.featureCount])
    }

    /// The encoder's specification for an input and recipe.
    public static func encoder(input: ClassifierInput, recipe: ClassifierRecipe) -> ConvEncoderSpecification {
        ConvEncoderSpecification(input: ImageShape(channels: 3, height: input.side, width: input.side),
                                 channels: recipe.channels, residualBlocksPerStage: 0, groups: recipe.groups,
                                 pooling: recipe.pooling, outputFeatures: recipe.features,
                                 randomShift: recipe.randomShift)
    }

    /// P(success) of one frame's pixels.
    ///
    /// - Throws: ``ClassifierError/badImage(_:)`` when the image is not the input's resolution.
    public func probability(of image: RGBImage) throws(ClassifierError) -> Double {
        batch.resize(rows: 1, columns: input.featureCount)
        try batch.scalars.withUnsafeMutableBufferPointer { buffer throws(ClassifierError) in
            try input.fill(image, into: buffer.baseAddress!)
        }
        return try probabilities(ofBatch: batch)[0]
    }

    /// P(success) of each row of `features` (`[rows, featureCount]` inputs as ``ClassifierInput`` writes them),
    /// in evaluation mode (no augmentation).
    public func probabilities(ofBatch features: Tensor) throws(ClassifierError) -> [Double] {
        do {
            try network.forward(features, into: &logits, training: false)
        } catch {
            throw .badImage("the input does not fit the network: \(error)")
        }
        return (0..<logits.rows).map { row in
            let failure = Double(logits[row, 0]), success = Double(logits[row, 1])
            return 1 / (1 + exp(failure - success))
        }
    }

    /// P(success) of every example, evaluated in batches of at most 64.
    public func probabilities(of examples: [ClassifierExample]) throws(ClassifierError) -> [Double] {
        var result: [Double] = []
        result.reserveCapacity(examples.count)
        var start = 0
        var features = Tensor.zeros([0])
        while start < examples.count {
            let end = min(start + 64, examples.count)
            features.resize(rows: end - start, columns: input.featureCount)
            for (row, example) in examples[start..<end].enumerated() {
                features.scalars.replaceSubrange(row * input.featureCount..<(row + 1) * input.featureCount,
                                                 with: example.features)
            }
            result += try probabilities(ofBatch: features)
            start = end
        }
        return result
    }
}
