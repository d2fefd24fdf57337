import Foundation
public import Enpire
public import EnpireLearning

/// A small CNN that gives P(success) for one camera frame: the frame's crop (``ClassifierInput``) through a
/// `ConvEncoderSpecification` encoder (stride-2 convolutions, group norm, spatial softmax, optional DrQ random
/// shift in training), then ReLU and a 2-class linear head. With ``ClassifierRecipe/folds`` above 1 it is an
/// ensemble of that many such networks (one per cross-fitting fold) and P(success) is their mean, unless
/// ``ClassifierRecipe/refit`` is set: then it is one network again (trained on every clip).
///
/// Not thread-safe: it owns its network's buffers. ``ClassifierReward`` keeps it behind a lock.
public final class SuccessClassifier {
    /// How frames become inputs.
    public let input: ClassifierInput
    /// How the network was built and trained.
    public let recipe: ClassifierRecipe
    /// The networks (encoder, ReLU, 2-class linear head; logits (failure, success)), one per fold (one when the
    /// recipe refits).
    public let networks: [Sequential]
    /// The first (with one fold, the only) network.
    public var network: Sequential { networks[0] }
    /// Whether a single frame's folds share their first convolution's columns (`SharedStemEnsemble`; the same
    /// floats as running each fold alone).
    public var sharesFirstConvolution: Bool { ensemble != nil }
    private var batch: Tensor
    private var logits = Tensor.zeros([0])
    /// The folds' networks sharing their first convolution for one frame at a time (`nil` with one network).
    private let ensemble: SharedStemEnsemble?

    /// Builds an untrained classifier (weights drawn from the recipe's seed).
    ///
    /// - Throws: ``ClassifierError/badRecipe(_:)`` when the recipe does not fit the input (for example more
    ///   stages than the input size allows).
    public init(input: ClassifierInput, recipe: ClassifierRecipe) throws(ClassifierError) {
        try recipe.validate()
        self.input = input
        self.recipe = recipe
        let count = recipe.refit ? 1 : recipe.folds
        networks = try (0..<count).map { (index: Int) throws(ClassifierError) -> Sequential in
            try Self.makeNetwork(input: input, recipe: recipe, index: recipe.refit ? recipe.folds : index)
        }
        batch = Tensor.zeros([1, input.featureCount])
        ensemble = SharedStemEnsemble(members: networks)
    }

    /// Builds one untrained network of this shape, its weights drawn from the recipe's seed plus `index` (fold k's
    /// network uses k; a refit network uses the number of folds).
    ///
    /// - Throws: ``ClassifierError/badRecipe(_:)`` when the recipe does not fit the input.
    public static func makeNetwork(input: ClassifierInput, recipe: ClassifierRecipe, index: Int)
        throws(ClassifierError) -> Sequential {
        do {
            var rng = SplitMix64(seed: recipe.seed &+ UInt64(index))
            var layers = try encoder(input: input, recipe: recipe).makeLayers(rng: &rng)
            layers.append(ReLU(features: recipe.features))
            layers.append(Linear(inputFeatures: recipe.features, outputFeatures: 2, rng: &rng))
            return try Sequential(layers)
        } catch {
            throw .badRecipe("cannot build the network: \(error)")
        }
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

    /// P(success) of a frame's region of interest alone (an image of ``ClassifierInput/region``'s size, as a camera
    /// reward decodes it from a JPEG frame): the same as ``probability(of:)`` on the whole frame.
    ///
    /// - Throws: ``ClassifierError/badImage(_:)`` when the image is not the region's size.
    public func probability(ofWindow window: RGBImage) throws(ClassifierError) -> Double {
        batch.resize(rows: 1, columns: input.featureCount)
        try batch.scalars.withUnsafeMutableBufferPointer { buffer throws(ClassifierError) in
            try input.fill(window: window, into: buffer.baseAddress!)
        }
        return try probabilities(ofBatch: batch)[0]
    }

    /// P(success) of each row of `features` (`[rows, featureCount]` inputs as ``ClassifierInput`` writes them),
    /// in evaluation mode (no augmentation): the mean over the networks.
    public func probabilities(ofBatch features: Tensor) throws(ClassifierError) -> [Double] {
        if let ensemble, features.rows == 1, features.columns == ensemble.inputFeatures, ensemble.outputFeatures == 2 {
            // One frame (a live verdict): the folds share their first convolution, with the same floats.
            var sum = 0.0
            features.scalars.withUnsafeBufferPointer { example in
                ensemble.forEachOutput(of: example.baseAddress!) { _, logits in
                    sum += Self.probability(failure: logits[0], success: logits[1])
                }
            }
            return [sum / Double(ensemble.count)]
        }
        var mean = try probabilities(ofBatch: features, member: 0)
        guard networks.count > 1 else { return mean }
        for member in 1..<networks.count {
            for (row, p) in try probabilities(ofBatch: features, member: member).enumerated() { mean[row] += p }
        }
        return mean.map { $0 / Double(networks.count) }
    }

    /// P(success) of each row of `features` by one network of the ensemble.
    public func probabilities(ofBatch features: Tensor, member: Int) throws(ClassifierError) -> [Double] {
        try probabilities(ofBatch: features, network: networks[member])
    }

    /// P(success) of each row of `features` by `network` (one of this shape that is not part of the classifier,
    /// such as a cross-fitting fold's network before a refit).
    public func probabilities(ofBatch features: Tensor, network: Sequential) throws(ClassifierError) -> [Double] {
        do {
            try network.forward(features, into: &logits, training: false)
        } catch {
            throw .badImage("the input does not fit the network: \(error)")
        }
        return (0..<logits.rows).map { row in Self.probability(failure: logits[row, 0], success: logits[row, 1]) }
    }

    /// P(success) from the two logits.
    private static func probability(failure: Float, success: Float) -> Double {
        1 / (1 + exp(Double(failure) - Double(success)))
    }

    /// Every network's weights by name; with several folds, fold k's names start with `fold<k>.`.
    public func stateDictionary() -> [String: Tensor] {
        guard networks.count > 1 else { return network.stateDictionary() }
        var result: [String: Tensor] = [:]
        for (fold, member) in networks.enumerated() {
            for (name, tensor) in member.stateDictionary() { result["fold\(fold).\(name)"] = tensor }
        }
        return result
    }

    /// Loads weights written by ``stateDictionary()``.
    ///
    /// - Throws: a `TensorError` when a network's weights are missing or of another shape.
    public func load(stateDictionary tensors: [String: Tensor]) throws(TensorError) {
        guard networks.count > 1 else { return try network.load(stateDictionary: tensors) }
        for (fold, member) in networks.enumerated() {
            let prefix = "fold\(fold)."
            var own: [String: Tensor] = [:]
            for (name, tensor) in tensors where name.hasPrefix(prefix) { own[String(name.dropFirst(prefix.count))] = tensor }
            try member.load(stateDictionary: own)
        }
    }

    /// P(success) of every example, evaluated in batches of at most 64 (by one network when `member` is set,
    /// else the ensemble's mean).
    public func probabilities(of examples: [ClassifierExample], member: Int? = nil) throws(ClassifierError) -> [Double] {
        try probabilities(of: examples, network: member.map { networks[$0] })
    }

    /// P(success) of every example by `network` (nil: the ensemble's mean), in batches of at most 64.
    public func probabilities(of examples: [ClassifierExample], network: Sequential?) throws(ClassifierError) -> [Double] {
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
            if let network {
                result += try probabilities(ofBatch: features, network: network)
            } else {
                result += try probabilities(ofBatch: features)
            }
            start = end
        }
        return result
    }
}
