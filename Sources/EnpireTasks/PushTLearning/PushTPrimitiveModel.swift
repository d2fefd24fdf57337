import Enpire
public import EnpireLearning
public import EnpireSim
public import Foundation
import Synchronization

/// A trained Push-T primitive selector: an MLP from ``PushTPrimitiveFeatures`` to one score (logit) per push
/// primitive of the planner's library, plus the library's settings that the scripted executor needs.
///
/// Shareable: the network's scratch buffers sit behind a lock.
public final class PushTPrimitiveModel: Sendable {
    /// Settings of the primitive library (contacts, push distances, speeds) the executor runs.
    public let library: PushTPlannerParameters
    /// The network architecture.
    public let specification: MLPSpecification
    /// Metrics recorded at training time (for example development success).
    public let metrics: [String: Double]
    /// SHA-256 of the weights (hex), checked on load.
    public let weightsHash: String
    private let network: Mutex<Sequential>

    /// Wraps a trained network.
    public init(library: PushTPlannerParameters, specification: MLPSpecification, metrics: [String: Double],
                network: sending Sequential) {
        self.library = library
        self.specification = specification
        self.metrics = metrics
        weightsHash = Self.hash(network.stateDictionary())
        self.network = Mutex(network)
    }

    /// Number of primitives the model chooses among.
    public var primitiveCount: Int { specification.outputFeatures }

    /// Scores (logits) of every primitive for one feature vector.
    public func logits(_ features: [Float]) -> [Float] {
        guard features.count == specification.inputFeatures,
              let input = try? Tensor(shape: [1, features.count], scalars: features) else {
            return [Float](repeating: 0, count: specification.outputFeatures)
        }
        return network.withLock { (try? $0.forward(input).scalars) ?? [] }
    }

    /// The primitive with the highest score.
    public func choose(_ features: [Float]) -> Int {
        let scores = logits(features)
        var best = 0
        for index in scores.indices where scores[index] > scores[best] { best = index }
        return best
    }

    /// Parameter tensors by name.
    public func stateDictionary() -> [String: Tensor] { network.withLock { $0.stateDictionary() } }

    /// Format tag of the checkpoint sidecar.
    public static let format = "enpire-pusht-primitive/1"
    /// Sidecar file name inside a checkpoint directory.
    public static let sidecarFileName = "policy.json"
    /// Weights file name inside a checkpoint directory.
    public static let weightsFileName = "policy.safetensors"

    /// Writes `policy.safetensors` and `policy.json` into `directory` (created if needed).
    @discardableResult
    public func save(to directory: URL) throws -> URL {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try SafeTensors.write(stateDictionary(), metadata: ["format": Self.format, "sha256": weightsHash],
                              to: directory.appendingPathComponent(Self.weightsFileName))
        let sidecar = Sidecar(format: Self.format, library: library, network: specification, metrics: metrics,
                              weightsHash: weightsHash)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(sidecar).write(to: directory.appendingPathComponent(Self.sidecarFileName), options: .atomic)
        return directory
    }

    /// Loads a checkpoint written by ``save(to:)``, refusing one whose weights do not match the recorded hash,
    /// hold non-finite values, or do not fit the recorded network.
    public static func load(from directory: URL) throws -> PushTPrimitiveModel {
        let sidecarURL = directory.appendingPathComponent(sidecarFileName)
        guard let data = try? SafeFile.read(sidecarURL, limit: SafeTensors.maximumSidecarBytes) else {
            throw PushTLearningError.checkpoint("missing or unreadable \(sidecarURL.path)")
        }
        let sidecar: Sidecar
        do { sidecar = try JSONDecoder().decode(Sidecar.self, from: data) } catch {
            throw PushTLearningError.checkpoint("\(sidecarURL.path) is not a Push-T primitive sidecar: \(error)")
        }
        guard sidecar.format == format else {
            throw PushTLearningError.checkpoint("\(sidecarURL.path) has format \(sidecar.format); expected \(format)")
        }
        let spec = sidecar.network
        guard spec.inputFeatures == PushTPrimitiveFeatures.count,
              spec.hiddenWidths.count <= 8, spec.hiddenWidths.allSatisfy({ (1...4096).contains($0) }),
              spec.outputFeatures == PushTPushPlanner(parameters: sidecar.library).candidateCount
        else {
            throw PushTLearningError.checkpoint(
                "\(sidecarURL.path): network \(spec.inputFeatures)->\(spec.hiddenWidths)->\(spec.outputFeatures) does "
                + "not fit \(PushTPrimitiveFeatures.count) features and the library's primitives (widths 1...4096, at most 8 layers)")
        }
        let weights = try SafeTensors.read(from: directory.appendingPathComponent(weightsFileName))
        var rng = SplitMix64(seed: 0)
        let network = try spec.makeNetwork(rng: &rng)
        try network.load(stateDictionary: weights.tensors)
        let state = network.stateDictionary()
        guard state.values.allSatisfy({ $0.scalars.allSatisfy(\.isFinite) }) else {
            throw PushTLearningError.checkpoint("\(directory.path): weights hold non-finite values")
        }
        guard hash(state) == sidecar.weightsHash else {
            throw PushTLearningError.checkpoint(
                "\(directory.path): weights do not match the sidecar's SHA-256 (\(sidecar.weightsHash)); the files were changed or mixed")
        }
        return PushTPrimitiveModel(library: sidecar.library, specification: spec, metrics: sidecar.metrics,
                                   network: network)
    }

    static func hash(_ tensors: [String: Tensor]) -> String {
        var bytes = Data()
        for name in tensors.keys.sorted() {
            bytes.append(contentsOf: Array(name.utf8))
            for value in tensors[name]?.scalars ?? [] {
                withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
            }
        }
        return SHA256.hex(bytes)
    }

    struct Sidecar: Codable {
        var format: String
        var library: PushTPlannerParameters
        var network: MLPSpecification
        var metrics: [String: Double]
        var weightsHash: String
    }
}

/// Errors of Push-T learning.
public enum PushTLearningError: Error, Equatable, CustomStringConvertible {
    /// A checkpoint could not be read or failed its checks.
    case checkpoint(String)
    /// A setting is out of range.
    case invalidSetting(String)

    /// A message a user can act on.
    public var description: String {
        switch self {
        case .checkpoint(let detail): return "Push-T checkpoint: \(detail)"
        case .invalidSetting(let detail): return "Push-T learning: \(detail)"
        }
    }
    /// Throws ``invalidSetting(_:)`` with `message` unless `ok`.
    static func check(_ ok: Bool, _ message: String) throws(PushTLearningError) {
        if !ok { throw .invalidSetting(message) }
    }
}
