public import Foundation
import Enpire

extension SoftActorCritic {
    /// Writes `actor.safetensors`, `critics.safetensors` (critic `i` and its target under `critic<i>.` and
    /// `target<i>.`) and a `sac.json` sidecar with the configuration and widths.
    public func save(to directory: URL) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try SafeTensors.write(actor.stateDictionary(), metadata: ["format": "enpire-sac-actor"],
                              to: directory.appendingPathComponent("actor.safetensors"))
        var criticTensors: [String: Tensor] = [:]
        for (index, (critic, target)) in zip(critics, targetCritics).enumerated() {
            for (name, tensor) in critic.stateDictionary() { criticTensors["critic\(index).\(name)"] = tensor }
            for (name, tensor) in target.stateDictionary() { criticTensors["target\(index).\(name)"] = tensor }
        }
        try SafeTensors.write(criticTensors, metadata: ["format": "enpire-sac-critics"],
                              to: directory.appendingPathComponent("critics.safetensors"))
        let sidecar = SACCheckpointSidecar(configuration: configuration, observationWidth: observationWidth,
                                           actionWidth: actionWidth, temperature: temperature,
                                           actorUpdates: actorUpdateCount, criticUpdates: criticUpdateCount)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(sidecar).write(to: directory.appendingPathComponent("sac.json"), options: .atomic)
    }

    /// Rebuilds a learner from a directory written by ``save(to:)`` (optimiser moments restart from zero).
    ///
    /// The sidecar is at most 16 MiB, its configuration is validated, and the networks it describes must hold
    /// exactly as many parameters as the weights files (checked before any network is built).
    public static func load(from directory: URL) throws -> SoftActorCritic {
        let sidecarData = try SafeFile.read(directory.appendingPathComponent("sac.json"), limit: SafeTensors.maximumSidecarBytes)
        let sidecar: SACCheckpointSidecar
        do { sidecar = try JSONDecoder().decode(SACCheckpointSidecar.self, from: sidecarData) } catch {
            throw RLError.invalidConfiguration("sac.json is not a SAC checkpoint sidecar: \(ErrorMessage.oneLine(error))")
        }
        var configuration = sidecar.configuration
        configuration.initialTemperature = sidecar.temperature
        try configuration.validate()
        let actorTensors = try SafeTensors.read(from: directory.appendingPathComponent("actor.safetensors")).tensors
        let criticTensors = try SafeTensors.read(from: directory.appendingPathComponent("critics.safetensors")).tensors
        let (actorSpecification, criticSpecification) = try specifications(
            observationWidth: sidecar.observationWidth, actionWidth: sidecar.actionWidth, configuration: configuration)
        let critics = criticSpecification.parameterCount.map { $0.multipliedReportingOverflow(by: 2 * configuration.criticCount) }
        guard actorTensors.values.reduce(0, { $0 + $1.count }) == actorSpecification.parameterCount,
              let critics, !critics.overflow,
              criticTensors.values.reduce(0, { $0 + $1.count }) == critics.partialValue
        else {
            throw RLError.invalidConfiguration("the weights files do not hold the parameters sac.json describes")
        }
        let learner = try SoftActorCritic(observationWidth: sidecar.observationWidth,
                                          actionWidth: sidecar.actionWidth, configuration: configuration)
        try learner.actor.load(stateDictionary: actorTensors)
        for (index, (critic, target)) in zip(learner.critics, learner.targetCritics).enumerated() {
            for (prefix, network) in [("critic\(index).", critic), ("target\(index).", target)] {
                var dictionary: [String: Tensor] = [:]
                for (name, tensor) in criticTensors where name.hasPrefix(prefix) {
                    dictionary[String(name.dropFirst(prefix.count))] = tensor
                }
                try network.load(stateDictionary: dictionary)
            }
        }
        return learner
    }
}

/// The JSON sidecar of a SAC checkpoint.
struct SACCheckpointSidecar: Codable {
    var configuration: SACConfiguration
    var observationWidth: Int
    var actionWidth: Int
    var temperature: Float
    var actorUpdates: Int
    var criticUpdates: Int
}
