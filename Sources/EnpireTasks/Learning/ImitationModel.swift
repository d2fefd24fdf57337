import Enpire
public import EnpireLearning
public import Foundation
import Synchronization

/// What the JSON sidecar of a learned task policy records next to its weights.
public struct ImitationCheckpointInfo: Sendable, Codable, Equatable {
    /// `"enpire-task-mlp/1"`.
    public var format: String
    /// Task the policy acts in.
    public var task: String
    /// What the policy reads (a `camera` policy evaluated on `state` inputs is refused).
    public var observe: ObservationMode
    /// Whether the policy's input is privileged.
    public var privileged: Bool
    /// Names of the input vector's entries, in order.
    public var inputNames: [String]
    /// Names of the output vector's entries, in order.
    public var outputNames: [String]
    /// The network.
    public var network: MLPSpecification
    /// Input normaliser fitted on the training rows.
    public var inputNormalizer: Normalizer
    /// Output normaliser fitted on the training rows.
    public var outputNormalizer: Normalizer
    /// Paradigm and stage that produced the weights (`dagger round 3`).
    public var stage: String
    /// Development successes and episodes when the checkpoint was chosen.
    public var devSuccesses: Int
    /// Development episodes.
    public var devEpisodes: Int
    /// Training rows.
    public var rows: Int
}

/// A small MLP from a task's policy input vector to its policy output vector, with normalisers; one instance
/// is shared by rollout threads (the network's scratch buffers are behind a mutex).
public final class ImitationModel: Sendable {
    /// The sidecar contents.
    public let info: ImitationCheckpointInfo
    private let network: Mutex<Sequential>

    init(info: ImitationCheckpointInfo, network: sending Sequential) {
        self.info = info
        self.network = Mutex(network)
    }

    /// Sidecar file name.
    public static let sidecarFileName = "policy.json"
    /// Weights file name.
    public static let weightsFileName = "policy.safetensors"

    /// The output vector for one input vector.
    ///
    /// - Throws: ``LearningError/observation(_:)`` when the width differs from the network's.
    public func predict(_ input: [Float]) throws(LearningError) -> [Float] {
        guard input.count == info.network.inputFeatures else {
            throw .observation("policy expects \(info.network.inputFeatures) inputs, got \(input.count)")
        }
        var tensor = (try? Tensor(shape: [1, input.count], scalars: input)) ?? .zeros([1, 0])
        info.inputNormalizer.normalize(&tensor)
        var output = network.withLock { (try? $0.forward(tensor)) ?? .zeros([1, 0]) }
        info.outputNormalizer.denormalize(&output)
        return output.scalars
    }

    /// Writes `policy.safetensors` and `policy.json` into `directory` (created if needed).
    public func save(to directory: URL) throws {
        try TaskCheckpointFiles.write(weights: network.withLock { $0.stateDictionary() }, format: info.format,
                                      task: info.task, sidecar: info, weightsFileName: Self.weightsFileName,
                                      sidecarFileName: Self.sidecarFileName, to: directory)
    }

    /// Loads a checkpoint written by ``save(to:)`` and checks it is for `task`.
    ///
    /// - Throws: ``LearningError/checkpoint(_:)`` when files are missing, malformed or for another task.
    public static func load(from directory: URL, task: String) throws -> ImitationModel {
        let sidecarURL = directory.appendingPathComponent(sidecarFileName)
        guard let data = try? SafeFile.read(sidecarURL, limit: SafeTensors.maximumSidecarBytes) else {
            throw LearningError.checkpoint("missing or unreadable \(sidecarURL.path); pass the directory `enpire learn "
                + "--output` wrote")
        }
        let info: ImitationCheckpointInfo
        do {
            info = try JSONDecoder().decode(ImitationCheckpointInfo.self, from: data)
        } catch {
            throw LearningError.checkpoint("\(sidecarURL.path) is not a task-policy sidecar: \(error)")
        }
        guard info.format == "enpire-task-mlp/1" else {
            throw LearningError.checkpoint("unknown format \(info.format) in \(sidecarURL.path)")
        }
        guard info.task == task else {
            throw LearningError.checkpoint("\(directory.path) holds a \(info.task) policy, not \(task)")
        }
        guard info.inputNormalizer.features == info.network.inputFeatures,
              info.outputNormalizer.features == info.network.outputFeatures,
              info.inputNames.count == info.network.inputFeatures,
              info.outputNames.count == info.network.outputFeatures else {
            throw LearningError.checkpoint("normalisers or names disagree with the network in \(sidecarURL.path)")
        }
        let weights: (tensors: [String: Tensor], metadata: [String: String])
        do {
            weights = try SafeTensors.read(from: directory.appendingPathComponent(weightsFileName))
        } catch {
            throw LearningError.checkpoint("\(directory.appendingPathComponent(weightsFileName).path): \(error)")
        }
        var rng = SplitMix64(seed: 0)
        let network = try info.network.makeNetwork(rng: &rng)
        do {
            try network.load(stateDictionary: weights.tensors)
        } catch {
            throw LearningError.checkpoint("weights do not fit the network in \(sidecarURL.path): \(error)")
        }
        return ImitationModel(info: info, network: network)
    }
}

/// Rows of (policy input, teacher output) grouped by episode, and the supervised fit of an ``ImitationModel``.
struct ImitationData {
    var inputs: [[Float]] = []
    var outputs: [[Float]] = []
    var episodeOfRow: [Int] = []
    var episodes = 0

    mutating func append(episode rows: [(input: [Float], output: [Float])]) {
        for row in rows {
            inputs.append(row.input)
            outputs.append(row.output)
            episodeOfRow.append(episodes)
        }
        episodes += 1
    }

    var count: Int { inputs.count }
}

/// Trains an MLP on ``ImitationData`` with Adam and MSE; validation rows are whole episodes.
final class ImitationFitter {
    let specification: MLPSpecification
    let network: Sequential
    private var optimizer: Adam
    let learningRate: Float
    let batchSize: Int
    var seed: UInt64
    private(set) var inputNormalizer: Normalizer
    private(set) var outputNormalizer: Normalizer

    init(inputs: Int, outputs: Int, hiddenWidths: [Int], learningRate: Float, batchSize: Int, seed: UInt64) throws {
        specification = MLPSpecification(inputFeatures: inputs, hiddenWidths: hiddenWidths, outputFeatures: outputs,
                                         activation: .relu)
        var rng = SplitMix64(seed: seed)
        network = try specification.makeNetwork(rng: &rng)
        self.learningRate = learningRate
        self.batchSize = batchSize
        self.seed = seed
        optimizer = Adam(parameters: network.parameters, learningRate: learningRate, maxGradientNorm: 10)
        inputNormalizer = .identity(features: inputs)
        outputNormalizer = .identity(features: outputs)
    }

    /// Fits `epochs` passes over the training episodes (every tenth episode is validation); normalisers are
    /// refitted on the training rows, and the optimiser restarts its schedule (warm-started weights).
    /// Returns the validation MSE in output units (nil when there is no validation episode).
    func fit(_ data: ImitationData, epochs: Int, afterEpoch: (Int) -> Void) throws -> Double? {
        let validationEpisode: (Int) -> Bool = { data.episodes >= 5 && $0 % 10 == 9 }
        var trainRows: [Int] = [], validationRows: [Int] = []
        for row in 0..<data.count {
            if validationEpisode(data.episodeOfRow[row]) { validationRows.append(row) } else { trainRows.append(row) }
        }
        let nIn = specification.inputFeatures, nOut = specification.outputFeatures
        func tensor(_ rows: [Int], _ source: [[Float]], _ width: Int) throws -> Tensor {
            var scalars: [Float] = []
            scalars.reserveCapacity(rows.count * width)
            for row in rows { scalars.append(contentsOf: source[row]) }
            return try Tensor(shape: [rows.count, width], scalars: scalars)
        }
        var train = try SupervisedDataset(inputs: tensor(trainRows, data.inputs, nIn),
                                          targets: tensor(trainRows, data.outputs, nOut))
        inputNormalizer = Normalizer.fit(train.inputs, kind: .meanStd)
        outputNormalizer = Normalizer.fit(train.targets, kind: .meanStd)
        // An input constant over the training rows is ignored by the policy (Docs/SimToReal.md: a force sensor that
        // read 0 in every training episode and was biased on a station).
        try ConstantInputs.disconnect(train.inputs, normalizer: &inputNormalizer, network: network)
        inputNormalizer.normalize(&train.inputs)
        outputNormalizer.normalize(&train.targets)
        var sampler = MiniBatchSampler(count: train.count, batchSize: min(batchSize, train.count), seed: seed)
        seed &+= 1
        let total = max(1, epochs * sampler.batchesPerEpoch)
        optimizer = Adam(parameters: network.parameters, learningRate: learningRate,
                         schedule: .cosine(totalSteps: total, minimumFactor: 0.05), maxGradientNorm: 10)
        let loss = MSELoss()
        var batchInputs = Tensor.zeros([0, 0]), batchTargets = Tensor.zeros([0, 0])
        var prediction = Tensor.zeros([0, 0]), gradient = Tensor.zeros([0, 0])
        for epoch in 1...max(1, epochs) {
            try Task.checkCancellation()
            sampler.shuffle()
            for batch in 0..<sampler.batchesPerEpoch {
                sampler.fill(batch: batch, from: train, inputs: &batchInputs, targets: &batchTargets)
                try network.forward(batchInputs, into: &prediction, training: true)
                _ = try loss(prediction: prediction, target: batchTargets, gradient: &gradient)
                try network.backward(gradient)
                optimizer.step()
            }
            afterEpoch(epoch)
        }
        guard !validationRows.isEmpty else { return nil }
        var inputs = try tensor(validationRows, data.inputs, nIn)
        let targets = try tensor(validationRows, data.outputs, nOut)
        inputNormalizer.normalize(&inputs)
        var output = try network.forward(inputs)
        outputNormalizer.denormalize(&output)
        var unused = Tensor.zeros([0, 0])
        return Double(try loss(prediction: output, target: targets, gradient: &unused))
    }

    /// A frozen copy of the current weights as a shareable model.
    func snapshot(task: String, observe: ObservationMode, inputNames: [String], outputNames: [String], stage: String,
                  devSuccesses: Int, devEpisodes: Int, rows: Int) throws -> ImitationModel {
        var rng = SplitMix64(seed: 0)
        let copy = try specification.makeNetwork(rng: &rng)
        try copy.load(stateDictionary: network.stateDictionary())
        let info = ImitationCheckpointInfo(
            format: "enpire-task-mlp/1", task: task, observe: observe, privileged: observe.isPrivileged,
            inputNames: inputNames, outputNames: outputNames, network: specification,
            inputNormalizer: inputNormalizer, outputNormalizer: outputNormalizer, stage: stage,
            devSuccesses: devSuccesses, devEpisodes: devEpisodes, rows: rows)
        return ImitationModel(info: info, network: copy)
    }
}
