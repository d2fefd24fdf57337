public import Enpire
public import Foundation
public import Logging

/// Behaviour cloning: fits an MLP from encoded observations to (chunks of) recorded arm commands.
///
/// Steps where any arm's command is not a position command (for example `hold`) are skipped: they carry no
/// target to imitate. Observations and action chunks are normalised with mean/std statistics fitted on the
/// training split; training minimises MSE in normalised units with Adam(W), and the reported
/// `validation_mse` is in the command space's own units.
public struct BCTrainer: Trainer {
    /// The recipe.
    public var configuration: BCConfiguration
    /// Where to write the checkpoint (`policy.safetensors` + `policy.json`); nil writes none.
    public var checkpointDirectory: URL?
    /// Called every `configuration.progressEvery` epochs; when nil and `progressEvery > 0`, progress is logged to
    /// ``logger`` instead.
    public var progress: (@Sendable (BCProgress) -> Void)?
    /// Where progress lines go (`info` level) when ``progress`` is nil.
    public var logger: Logger

    /// Creates a trainer.
    public init(configuration: BCConfiguration, checkpointDirectory: URL? = nil,
                logger: Logger = Logger(label: "enpire.learning.bc"),
                progress: (@Sendable (BCProgress) -> Void)? = nil) {
        self.configuration = configuration
        self.checkpointDirectory = checkpointDirectory
        self.logger = logger
        self.progress = progress
    }

    /// Builds `(observation, action chunk)` pairs from episodes, and the per-arm command widths.
    public func makeDataset(from episodes: [RecordedEpisode]) throws(BCError)
        -> (dataset: SupervisedDataset, armWidths: [Int]) {
        var armWidths: [Int]?
        var observationWidth: Int?
        var inputs: [Float] = [], targets: [Float] = []
        var rows = 0
        for episode in episodes {
            var observations: [[Float]] = [], actions: [[Float]] = [], anchors: [[Float]] = []
            for step in episode.steps {
                let commands = configuration.target == .requested ? step.requested : step.applied
                guard !commands.isEmpty, commands.allSatisfy({ $0.mode == .position && !$0.target.isEmpty }) else {
                    continue
                }
                let widths = commands.map(\.target.count)
                if let armWidths, armWidths != widths {
                    throw .widthMismatch("episode \(episode.summary.metadata.id) step \(step.index) has command "
                        + "widths \(widths), earlier steps \(armWidths)")
                }
                armWidths = widths
                let observation = try configuration.observation.encode(step)
                if let observationWidth, observationWidth != observation.count {
                    throw .widthMismatch("episode \(episode.summary.metadata.id) step \(step.index) encodes to "
                        + "\(observation.count) values, earlier steps to \(observationWidth)")
                }
                observationWidth = observation.count
                observations.append(observation)
                actions.append(commands.flatMap { $0.target.map(Float.init) })
                if configuration.relativeToArmPosition {
                    let anchor = zip(step.arms, widths).flatMap { state, width in
                        (0..<width).map { $0 < state.position.count ? Float(state.position[$0]) : 0 }
                    }
                    anchors.append(anchor)
                }
            }
            let chunks = ActionChunking.chunks(of: actions, size: configuration.chunkSize)
            for (index, (observation, chunk)) in zip(observations, chunks).enumerated() {
                inputs.append(contentsOf: observation)
                if configuration.relativeToArmPosition {
                    // Every action of the chunk is expressed relative to the arm positions it was predicted from.
                    let anchor = anchors[index]
                    targets.append(contentsOf: chunk.enumerated().map { $0.element - anchor[$0.offset % anchor.count] })
                } else {
                    targets.append(contentsOf: chunk)
                }
                rows += 1
            }
        }
        guard rows > 0, let armWidths, let observationWidth, observationWidth > 0 else {
            throw .noUsableSteps("\(episodes.count) episodes had no step with a position command for every arm "
                + "and a non-empty observation encoding")
        }
        let chunkWidth = armWidths.reduce(0, +) * configuration.chunkSize
        do {
            let dataset = try SupervisedDataset(
                inputs: Tensor(shape: [rows, observationWidth], scalars: inputs),
                targets: Tensor(shape: [rows, chunkWidth], scalars: targets))
            return (dataset, armWidths)
        } catch {
            throw .widthMismatch("\(error)")
        }
    }

    /// Trains and returns an ``MLPPolicy`` with metrics `train_loss`, `validation_mse`, `examples`, `epochs`.
    public func train(on episodes: [RecordedEpisode]) async throws -> TrainingOutcome {
        try configuration.validate()
        let (dataset, armWidths) = try makeDataset(from: episodes)
        let validationFraction = dataset.count > 1 ? configuration.validationFraction : 0
        let (trainSet, validationSet) = dataset.split(validationFraction: validationFraction,
                                                      seed: configuration.seed ^ 0x5EED)
        var observationNormalizer = Normalizer.fit(trainSet.inputs, kind: .meanStd)
        let actionNormalizer = Normalizer.fit(trainSet.targets, kind: .meanStd)
        let specification = MLPSpecification(inputFeatures: dataset.inputs.columns,
                                             hiddenWidths: configuration.hiddenWidths,
                                             outputFeatures: dataset.targets.columns,
                                             activation: configuration.activation)
        var rng = SplitMix64(seed: configuration.seed)
        let network = try specification.makeNetwork(rng: &rng)
        // Observations constant over the demonstrations are ignored by the policy (``ConstantInputs``).
        try ConstantInputs.disconnect(trainSet.inputs, normalizer: &observationNormalizer, network: network)
        var normalizedTrain = trainSet
        observationNormalizer.normalize(&normalizedTrain.inputs)
        actionNormalizer.normalize(&normalizedTrain.targets)
        var sampler = MiniBatchSampler(count: normalizedTrain.count, batchSize: configuration.batchSize,
                                       seed: configuration.seed &+ 1)
        let totalSteps = max(configuration.epochs * sampler.batchesPerEpoch, 1)
        let optimizer = Adam(parameters: network.parameters, learningRate: configuration.learningRate,
                             weightDecay: configuration.weightDecay,
                             decoupledWeightDecay: configuration.weightDecay > 0,
                             schedule: configuration.schedule ?? .cosine(totalSteps: totalSteps, minimumFactor: 0.1),
                             maxGradientNorm: configuration.maxGradientNorm)
        let loss = MSELoss()
        var batchInputs = Tensor.zeros([0, 0]), batchTargets = Tensor.zeros([0, 0])
        var prediction = Tensor.zeros([0, 0]), gradient = Tensor.zeros([0, 0])
        var lastTrainLoss: Float = .nan
        var lastValidation: Float?
        for epoch in 1...max(configuration.epochs, 1) where configuration.epochs > 0 {
            try Task.checkCancellation()
            sampler.shuffle()
            var epochLoss: Double = 0
            for batch in 0..<sampler.batchesPerEpoch {
                sampler.fill(batch: batch, from: normalizedTrain, inputs: &batchInputs, targets: &batchTargets)
                try network.forward(batchInputs, into: &prediction, training: true)
                epochLoss += Double(try loss(prediction: prediction, target: batchTargets, gradient: &gradient))
                try network.backward(gradient)
                optimizer.step()
            }
            lastTrainLoss = Float(epochLoss / Double(max(sampler.batchesPerEpoch, 1)))
            let report = configuration.progressEvery > 0
                && (epoch % configuration.progressEvery == 0 || epoch == configuration.epochs)
            if report || epoch == configuration.epochs {
                lastValidation = try Self.validationMSE(network, validationSet, observationNormalizer,
                                                        actionNormalizer)
            }
            if report {
                let update = BCProgress(epoch: epoch, trainLoss: lastTrainLoss, validationMSE: lastValidation)
                if let progress {
                    progress(update)
                } else {
                    let validation = lastValidation.map { "\($0)" } ?? "n/a"
                    logger.info("bc epoch \(epoch)/\(configuration.epochs) train_loss=\(lastTrainLoss) validation_mse=\(validation)",
                        metadata: ["epoch": "\(epoch)", "epochs": "\(configuration.epochs)"])
                }
            }
        }
        var metrics: [String: Double] = ["examples": Double(dataset.count), "epochs": Double(configuration.epochs),
                                         "train_examples": Double(trainSet.count)]
        if lastTrainLoss.isFinite { metrics["train_loss"] = Double(lastTrainLoss) }
        if let lastValidation { metrics["validation_mse"] = Double(lastValidation) }
        let model = BCModel(configuration: configuration, specification: specification,
                            observationNormalizer: observationNormalizer, actionNormalizer: actionNormalizer,
                            armWidths: armWidths, metrics: metrics, network: network)
        let checkpoint = try checkpointDirectory.map { try model.save(to: $0) }
        return TrainingOutcome(policy: MLPPolicy(model: model), checkpoint: checkpoint, metrics: metrics)
    }

    private static func validationMSE(_ network: Sequential, _ validation: SupervisedDataset,
                                      _ observationNormalizer: Normalizer, _ actionNormalizer: Normalizer) throws
        -> Float? {
        guard validation.count > 0 else { return nil }
        var inputs = validation.inputs
        observationNormalizer.normalize(&inputs)
        var prediction = try network.forward(inputs)
        actionNormalizer.denormalize(&prediction)
        var unused = Tensor.zeros([0, 0])
        return try MSELoss()(prediction: prediction, target: validation.targets, gradient: &unused)
    }
}
