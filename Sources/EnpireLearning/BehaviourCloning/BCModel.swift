import Enpire
public import Foundation
import Synchronization

/// A trained behaviour-cloning network with its normalisers, shareable across tasks.
///
/// The network's scratch buffers are guarded by a mutex so that copies of an ``MLPPolicy`` can share one
/// model safely; each copy keeps its own action queue.
public final class BCModel: Sendable {
    /// The training recipe.
    public let configuration: BCConfiguration
    /// The network architecture.
    public let specification: MLPSpecification
    /// Fitted on training observations.
    public let observationNormalizer: Normalizer
    /// Fitted on training action chunks.
    public let actionNormalizer: Normalizer
    /// Command width of each arm, in station order.
    public let armWidths: [Int]
    /// Metrics recorded at training time.
    public let metrics: [String: Double]
    /// Short content hash of the weights (used in the policy name).
    public let weightsHash: String
    private let network: Mutex<Sequential>

    init(configuration: BCConfiguration, specification: MLPSpecification, observationNormalizer: Normalizer,
         actionNormalizer: Normalizer, armWidths: [Int], metrics: [String: Double], network: sending Sequential) {
        self.configuration = configuration
        self.specification = specification
        self.observationNormalizer = observationNormalizer
        self.actionNormalizer = actionNormalizer
        self.armWidths = armWidths
        self.metrics = metrics
        weightsHash = Self.hash(network.stateDictionary())
        self.network = Mutex(network)
    }

    /// Width of one action (all arms concatenated).
    public var actionWidth: Int { armWidths.reduce(0, +) }

    /// Predicts a normalised-then-restored action chunk `[chunkSize · actionWidth]` for an encoded observation.
    public func predict(encodedObservation: [Float]) throws(BCError) -> [Float] {
        guard encodedObservation.count == specification.inputFeatures else {
            throw .widthMismatch("model expects \(specification.inputFeatures) observation values, got "
                + "\(encodedObservation.count); check the observation encoding matches training")
        }
        var input = (try? Tensor(shape: [1, encodedObservation.count], scalars: encodedObservation)) ?? .zeros([1, 0])
        observationNormalizer.normalize(&input)
        var output = network.withLock { network in
            (try? network.forward(input)) ?? Tensor.zeros([1, 0])
        }
        actionNormalizer.denormalize(&output)
        return output.scalars
    }

    /// Parameter tensors by name.
    public func stateDictionary() -> [String: Tensor] {
        network.withLock { $0.stateDictionary() }
    }

    /// Sidecar file name inside a checkpoint directory.
    public static let sidecarFileName = "policy.json"
    /// Weights file name inside a checkpoint directory.
    public static let weightsFileName = "policy.safetensors"

    /// Writes `policy.safetensors` and `policy.json` into `directory` (created if needed).
    public func save(to directory: URL) throws -> URL {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try SafeTensors.write(stateDictionary(), metadata: ["format": "enpire-bc-mlp/1", "hash": weightsHash],
                              to: directory.appendingPathComponent(Self.weightsFileName))
        let sidecar = BCCheckpointSidecar(format: "enpire-bc-mlp/1", configuration: configuration,
                                          network: specification, observationNormalizer: observationNormalizer,
                                          actionNormalizer: actionNormalizer, armWidths: armWidths,
                                          metrics: metrics, weightsHash: weightsHash)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(sidecar).write(to: directory.appendingPathComponent(Self.sidecarFileName),
                                          options: .atomic)
        return directory
    }

    /// Largest sidecar file read (``SafeTensors/maximumSidecarBytes``, 16 MiB).
    public static let maximumSidecarBytes = SafeTensors.maximumSidecarBytes

    /// Loads a checkpoint directory written by ``save(to:)``.
    ///
    /// Nothing in the files is trusted: the sidecar is at most ``maximumSidecarBytes``, the network within
    /// ``MLPSpecification``'s limits and of exactly as many parameters as the weights file holds (checked before
    /// the network is built), the normalisers of the network's widths with finite offsets and positive finite
    /// scales, every weight finite, and the weights' hash equal to the sidecar's `weightsHash`.
    ///
    /// - Throws: ``BCError/checkpoint(_:)`` naming the file and what is wrong.
    public static func load(from directory: URL) throws -> BCModel {
        let sidecarURL = directory.appendingPathComponent(sidecarFileName)
        let sidecarData: Data
        do { sidecarData = try SafeFile.read(sidecarURL, limit: maximumSidecarBytes) } catch {
            throw BCError.checkpoint("missing or unreadable sidecar: \(error)")
        }
        let sidecar: BCCheckpointSidecar
        do {
            sidecar = try JSONDecoder().decode(BCCheckpointSidecar.self, from: sidecarData)
        } catch {
            throw BCError.checkpoint("\(sidecarURL.path) is not a valid sidecar: \(ErrorMessage.oneLine(error))")
        }
        guard sidecar.format == "enpire-bc-mlp/1" else {
            throw BCError.checkpoint("unknown format \(sidecar.format); expected enpire-bc-mlp/1")
        }
        if let problem = sidecar.validationProblem {
            throw BCError.checkpoint("\(sidecarURL.path): \(problem)")
        }
        let weightsURL = directory.appendingPathComponent(weightsFileName)
        let weights = try SafeTensors.read(from: weightsURL)
        // Checked before the network is built, so its allocation is bounded by the weights file's size.
        let stored = weights.tensors.values.reduce(0) { $0 + $1.count }
        guard stored == sidecar.network.parameterCount else {
            throw BCError.checkpoint("\(weightsURL.path) holds \(stored) parameters but the sidecar's network needs "
                + "\(sidecar.network.parameterCount.map(String.init) ?? "too many")")
        }
        guard weights.tensors.values.allSatisfy({ $0.scalars.allSatisfy(\.isFinite) }) else {
            throw BCError.checkpoint("\(weightsURL.path) holds a non-finite weight (NaN or infinity)")
        }
        let hash = Self.hash(weights.tensors)
        guard hash == sidecar.weightsHash, weights.metadata["hash"].map({ $0 == hash }) ?? true else {
            throw BCError.checkpoint("\(weightsURL.path) has weights hash \(hash) but the sidecar records "
                + "\(sidecar.weightsHash): the weights changed since they were saved")
        }
        var rng = SplitMix64(seed: 0)
        let network = try sidecar.network.makeNetwork(rng: &rng)
        try network.load(stateDictionary: weights.tensors)
        return BCModel(configuration: sidecar.configuration, specification: sidecar.network,
                       observationNormalizer: sidecar.observationNormalizer,
                       actionNormalizer: sidecar.actionNormalizer, armWidths: sidecar.armWidths,
                       metrics: sidecar.metrics, network: network)
    }

    private static func hash(_ tensors: [String: Tensor]) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for name in tensors.keys.sorted() {
            for byte in name.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
            for value in tensors[name]?.scalars ?? [] { hash = (hash ^ UInt64(value.bitPattern)) &* 0x100_0000_01b3 }
        }
        return String(String(hash, radix: 16).prefix(8))
    }
}

/// The JSON sidecar written next to a BC checkpoint's weights.
struct BCCheckpointSidecar: Codable {
    var format: String
    var configuration: BCConfiguration
    var network: MLPSpecification
    var observationNormalizer: Normalizer
    var actionNormalizer: Normalizer
    var armWidths: [Int]
    var metrics: [String: Double]
    var weightsHash: String

    /// What is inconsistent or out of range, if anything (see ``BCModel/load(from:)``).
    var validationProblem: String? {
        if let problem = network.validationProblem { return "network: \(problem)" }
        for (name, normalizer, width) in [("observation", observationNormalizer, network.inputFeatures),
                                          ("action", actionNormalizer, network.outputFeatures)] {
            guard normalizer.offset.count == width, normalizer.scale.count == width else {
                return "\(name) normaliser has \(normalizer.offset.count) offsets and \(normalizer.scale.count) scales "
                    + "for \(width) features"
            }
            guard normalizer.offset.allSatisfy(\.isFinite), normalizer.scale.allSatisfy({ $0.isFinite && $0 > 0 }) else {
                return "\(name) normaliser holds a non-finite offset or a scale that is not positive and finite"
            }
        }
        let chunk = configuration.chunkSize
        guard (1...MLPSpecification.maximumWidth).contains(chunk),
              !armWidths.isEmpty, armWidths.allSatisfy({ (1...MLPSpecification.maximumWidth).contains($0) }),
              armWidths.count <= MLPSpecification.maximumWidth
        else { return "chunk size \(chunk) and arm widths \(armWidths) must be positive and within limits" }
        // No overflow: each factor is at most 65,536 and there are at most 65,536 arms.
        guard armWidths.reduce(0, +) * chunk == network.outputFeatures else {
            return "arm widths \(armWidths) × chunk \(chunk) disagree with the network's \(network.outputFeatures) outputs"
        }
        return nil
    }
}
