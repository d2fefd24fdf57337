import Enpire
public import EnpireLearning
public import Foundation
import Synchronization

/// A learned task policy: maps the task's policy input vector to its policy output vector.
///
/// ``ImitationModel`` (behaviour cloning, DAgger) and ``ResidualPolicy`` (a SAC residual over an imitation
/// model) conform; ``TaskPolicies/load(from:task:)`` loads either from a checkpoint directory.
public protocol TaskPolicy: Sendable {
    /// The output vector for one input vector.
    func predict(_ input: [Float]) throws(LearningError) -> [Float]
    /// Names of the input vector's entries, in order.
    var inputNames: [String] { get }
    /// Names of the output vector's entries, in order.
    var outputNames: [String] { get }
}

extension ImitationModel: TaskPolicy {
    /// The sidecar's input names.
    public var inputNames: [String] { info.inputNames }
    /// The sidecar's output names.
    public var outputNames: [String] { info.outputNames }
}

/// Loads any checkpoint `enpire learn` writes.
public enum TaskPolicies {
    /// The policy in `directory`: a ``ResidualPolicy`` when it holds `residual.json`, else an ``ImitationModel``.
    ///
    /// - Throws: ``LearningError/checkpoint(_:)`` when files are missing, malformed or for another task.
    public static func load(from directory: URL, task: String) throws -> any TaskPolicy {
        if FileManager.default.fileExists(atPath: directory.appendingPathComponent(ResidualPolicy.sidecarFileName).path) {
            return try ResidualPolicy.load(from: directory, task: task)
        }
        return try ImitationModel.load(from: directory, task: task)
    }
}

/// What `residual.json` records beside the residual actor's weights.
public struct ResidualCheckpointInfo: Sendable, Codable, Equatable {
    /// `"enpire-task-residual/1"`.
    public var format: String
    /// Task the policy acts in.
    public var task: String
    /// What the policy reads.
    public var observe: ObservationMode
    /// Whether the policy's input is privileged (`observe == .state`).
    public var privileged: Bool
    /// Bound of the residual per output entry, in output units: the applied output is
    /// `base(x) + scale ⊙ tanh(μ(x))`, so `|output − base(x)| ≤ scale` entry by entry.
    public var scale: [Float]
    /// The residual actor (input: the base's normalised input followed by its normalised output; output:
    /// `[mean, logStd]` per output entry; only the mean is used when acting deterministically).
    public var actor: MLPSpecification
    /// Stage of the base checkpoint (`bc stage 1`, `dagger round 2`) and the directory it was loaded from.
    public var baseStage: String
    /// Path of the `--base` directory at training time (a copy is stored in `base/`).
    public var baseSource: String
    /// Stage the residual comes from (`rl round 3`).
    public var stage: String
    /// Development successes of this checkpoint when it was chosen.
    public var devSuccesses: Int
    /// Development episodes.
    public var devEpisodes: Int
    /// Simulated robot seconds the residual run spent (episodes and robot resets), up to this checkpoint.
    public var robotSeconds: Double
    /// Of ``robotSeconds``, the simulated seconds of robot resets.
    public var resetSeconds: Double
    /// ``robotSeconds`` split into demonstrations, exploration and development evaluation.
    public var robotTime: ResidualRobotTime
    /// RL training episodes (learner acting with exploration) up to this checkpoint.
    public var trainingEpisodes: Int
    /// How the reward was computed, and whether any part of it read privileged simulator state.
    public var reward: String
    /// Whether the reward read privileged simulator state.
    public var rewardPrivileged: Bool
    /// The SAC recipe.
    public var sac: SACConfiguration
}

/// A base imitation policy plus a bounded SAC residual (`enpire learn --paradigm residual-sac`).
///
/// Checkpoint layout: `base/policy.safetensors` + `base/policy.json` (a copy of the base checkpoint),
/// `residual-actor.safetensors` and `residual.json` (``ResidualCheckpointInfo``). Acting is deterministic: the
/// actor's mean squashed by tanh, times ``ResidualCheckpointInfo/scale``, added to the base's output.
public final class ResidualPolicy: TaskPolicy {
    /// The base policy.
    public let base: ImitationModel
    /// The sidecar contents.
    public let info: ResidualCheckpointInfo
    private let actor: Mutex<Sequential>

    /// Sidecar file name.
    public static let sidecarFileName = "residual.json"
    /// Actor weights file name.
    public static let weightsFileName = "residual-actor.safetensors"
    /// Subdirectory holding the base checkpoint.
    public static let baseDirectoryName = "base"

    /// Builds a policy from a base, a sidecar and actor weights.
    ///
    /// - Throws: ``LearningError/checkpoint(_:)`` when the weights do not fit the actor or the widths disagree
    ///   with the base.
    public init(base: ImitationModel, info: ResidualCheckpointInfo, actorWeights: [String: Tensor]) throws {
        let outputs = base.info.network.outputFeatures
        guard info.actor.inputFeatures == base.info.network.inputFeatures + outputs,
              info.actor.outputFeatures == 2 * outputs, info.scale.count == outputs,
              info.scale.allSatisfy({ $0.isFinite && $0 >= 0 }) else {
            throw LearningError.checkpoint("the residual actor (\(info.actor.inputFeatures) → \(info.actor.outputFeatures)) "
                + "or its \(info.scale.count) scales do not fit the base policy (\(base.info.network.inputFeatures) → "
                + "\(outputs)); retrain the residual on this base")
        }
        var rng = SplitMix64(seed: 0)
        let network = try info.actor.makeNetwork(rng: &rng)
        do { try network.load(stateDictionary: actorWeights) } catch {
            throw LearningError.checkpoint("residual actor weights do not fit \(Self.sidecarFileName): \(error)")
        }
        self.base = base
        self.info = info
        actor = Mutex(network)
    }

    /// The residual actor's observation: the base's normalised input followed by its normalised output.
    public static func actorObservation(input: [Float], baseOutput: [Float], base: ImitationCheckpointInfo)
        -> [Float] {
        var observation: [Float] = []
        observation.reserveCapacity(input.count + baseOutput.count)
        for (j, value) in input.enumerated() where j < base.inputNormalizer.features {
            observation.append((value - base.inputNormalizer.offset[j]) / base.inputNormalizer.scale[j])
        }
        for (j, value) in baseOutput.enumerated() where j < base.outputNormalizer.features {
            observation.append((value - base.outputNormalizer.offset[j]) / base.outputNormalizer.scale[j])
        }
        return observation
    }

    /// The base output and the bounded residual for one input (`residual[j] ∈ [−scale[j], scale[j]]`).
    public func decompose(_ input: [Float]) throws(LearningError) -> (base: [Float], residual: [Float]) {
        let baseOutput = try base.predict(input)
        let observation = Self.actorObservation(input: input, baseOutput: baseOutput, base: base.info)
        let width = baseOutput.count
        let raw: [Float] = actor.withLock { network in
            guard let tensor = try? Tensor(shape: [1, observation.count], scalars: observation),
                  let output = try? network.forward(tensor) else { return [] }
            return output.scalars
        }
        guard raw.count == 2 * width else {
            throw .observation("residual actor expects \(info.actor.inputFeatures) inputs, got \(observation.count)")
        }
        return (baseOutput, (0..<width).map { info.scale[$0] * tanh(raw[$0]) })
    }

    /// A copy of the residual actor's weights by parameter name.
    public var actorWeights: [String: Tensor] { actor.withLock { $0.stateDictionary() } }

    /// The base's input names.
    public var inputNames: [String] { base.info.inputNames }
    /// The base's output names.
    public var outputNames: [String] { base.info.outputNames }

    /// Base output plus the bounded residual.
    public func predict(_ input: [Float]) throws(LearningError) -> [Float] {
        let (baseOutput, residual) = try decompose(input)
        return zip(baseOutput, residual).map { $0 + $1 }
    }

    /// Writes the base copy, the actor weights and the sidecar into `directory` (created if needed).
    public func save(to directory: URL) throws {
        try TaskCheckpointFiles.write(weights: actor.withLock { $0.stateDictionary() }, format: info.format,
                                      task: info.task, sidecar: info, weightsFileName: Self.weightsFileName,
                                      sidecarFileName: Self.sidecarFileName, to: directory)
        try base.save(to: directory.appendingPathComponent(Self.baseDirectoryName))
    }

    /// Loads a checkpoint written by ``save(to:)`` and checks it is for `task`.
    ///
    /// - Throws: ``LearningError/checkpoint(_:)`` when files are missing, malformed or for another task.
    public static func load(from directory: URL, task: String) throws -> ResidualPolicy {
        let sidecarURL = directory.appendingPathComponent(sidecarFileName)
        guard let data = try? SafeFile.read(sidecarURL, limit: SafeTensors.maximumSidecarBytes) else {
            throw LearningError.checkpoint("missing or unreadable \(sidecarURL.path); pass the directory "
                + "`enpire learn --paradigm residual-sac --output` wrote")
        }
        let info: ResidualCheckpointInfo
        do { info = try JSONDecoder().decode(ResidualCheckpointInfo.self, from: data) } catch {
            throw LearningError.checkpoint("\(sidecarURL.path) is not a residual-policy sidecar: \(error)")
        }
        guard info.format == "enpire-task-residual/1" else {
            throw LearningError.checkpoint("unknown format \(info.format) in \(sidecarURL.path)")
        }
        guard info.task == task else {
            throw LearningError.checkpoint("\(directory.path) holds a \(info.task) policy, not \(task)")
        }
        let base = try ImitationModel.load(from: directory.appendingPathComponent(baseDirectoryName), task: task)
        let weights: [String: Tensor]
        do { weights = try SafeTensors.read(from: directory.appendingPathComponent(weightsFileName)).tensors } catch {
            throw LearningError.checkpoint("\(directory.appendingPathComponent(weightsFileName).path): \(error)")
        }
        return try ResidualPolicy(base: base, info: info, actorWeights: weights)
    }
}

/// Writes the two files of a task checkpoint: safetensors weights (metadata: format and task) and a pretty,
/// key-sorted JSON sidecar, into `directory` (created if needed).
enum TaskCheckpointFiles {
    static func write(weights: [String: Tensor], format: String, task: String, sidecar: some Encodable,
                      weightsFileName: String, sidecarFileName: String, to directory: URL) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try SafeTensors.write(weights, metadata: ["format": format, "task": task],
                              to: directory.appendingPathComponent(weightsFileName))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(sidecar).write(to: directory.appendingPathComponent(sidecarFileName), options: .atomic)
    }
}
