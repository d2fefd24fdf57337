import Enpire
import Foundation

/// Soft actor-critic with the RLPD recipe: a tanh-squashed Gaussian actor, an ensemble of LayerNorm critics
/// whose target is the minimum over a random subset, Polyak-averaged targets, automatic temperature tuning,
/// a configurable update-to-data ratio, symmetric demonstration/online sampling and an optional BC term.
///
/// The learner is a reference type that owns its networks and scratch buffers (no allocation per update once
/// warmed up). It is not `Sendable`: keep it inside one task, and hand the acting side a
/// ``SACPolicySnapshot`` (see ``PolicyMailbox``) so that acting never waits for learning.
public final class SoftActorCritic {
    /// The recipe.
    public let configuration: SACConfiguration
    /// Values per observation.
    public let observationWidth: Int
    /// Values per action.
    public let actionWidth: Int
    /// Actor network: observation → `[mean, logStd]`.
    public let actor: Sequential
    /// Critic ensemble: `[observation, action]` → Q.
    public let critics: [Sequential]
    /// Polyak-averaged copies of the critics.
    public let targetCritics: [Sequential]
    let actorSpecification: MLPSpecification
    let criticSpecification: MLPSpecification
    private let actorOptimizer: Adam
    private let criticOptimizer: Adam
    private let logTemperature: Parameter
    private let temperatureOptimizer: Adam
    private var rng: SplitMix64
    /// Critic updates performed so far.
    public private(set) var criticUpdateCount = 0
    /// Actor updates performed so far.
    public private(set) var actorUpdateCount = 0

    private var batch: ReplayBatch
    private var actorOutput = Tensor.zeros([0]), squashed = Tensor.zeros([0]), logProbability = Tensor.zeros([0])
    private var noise = Tensor.zeros([0]), criticInput = Tensor.zeros([0]), q = Tensor.zeros([0])
    private var targetMinimum = Tensor.zeros([0]), targetValues = Tensor.zeros([0])
    private var criticGradient = Tensor.zeros([0]), qGradient = Tensor.zeros([0])
    private var criticInputGradient = Tensor.zeros([0]), actionGradient = Tensor.zeros([0])
    private var actorGradient = Tensor.zeros([0]), qSum = Tensor.zeros([0])
    private var subset: [Int]
    private var single = Tensor.zeros([1, 1]), singleOutput = Tensor.zeros([0])

    /// The actor's and each critic's architecture, failing on widths that are not positive or above
    /// ``MLPSpecification/maximumWidth``.
    static func specifications(observationWidth: Int, actionWidth: Int, configuration: SACConfiguration) throws
        -> (actor: MLPSpecification, critic: MLPSpecification) {
        let widths = 1...MLPSpecification.maximumWidth
        guard widths.contains(observationWidth), widths.contains(actionWidth) else {
            throw RLError.invalidConfiguration("observationWidth \(observationWidth) and actionWidth \(actionWidth) "
                + "must be 1...\(MLPSpecification.maximumWidth)")
        }
        return (MLPSpecification(inputFeatures: observationWidth, hiddenWidths: configuration.actorHiddenWidths,
                                 outputFeatures: 2 * actionWidth),
                MLPSpecification(inputFeatures: observationWidth + actionWidth,
                                 hiddenWidths: configuration.criticHiddenWidths, outputFeatures: 1,
                                 layerNorm: configuration.criticLayerNorm))
    }

    /// Builds seeded networks, failing on an invalid configuration or widths.
    public init(observationWidth: Int, actionWidth: Int, configuration: SACConfiguration) throws {
        try configuration.validate()
        self.configuration = configuration
        self.observationWidth = observationWidth
        self.actionWidth = actionWidth
        var rng = SplitMix64(seed: configuration.seed)
        (actorSpecification, criticSpecification) = try Self.specifications(
            observationWidth: observationWidth, actionWidth: actionWidth, configuration: configuration)
        actor = try actorSpecification.makeNetwork(rng: &rng)
        var critics: [Sequential] = [], targets: [Sequential] = []
        for _ in 0..<configuration.criticCount {
            let critic = try criticSpecification.makeNetwork(rng: &rng)
            let target = try criticSpecification.makeNetwork(rng: &rng)
            try target.load(stateDictionary: critic.stateDictionary())
            critics.append(critic)
            targets.append(target)
        }
        self.critics = critics
        targetCritics = targets
        actorOptimizer = Adam(parameters: actor.parameters, learningRate: configuration.learningRate)
        criticOptimizer = Adam(parameters: critics.flatMap(\.parameters), learningRate: configuration.learningRate)
        logTemperature = Parameter(name: "log_alpha",
                                   value: Tensor(repeating: log(configuration.initialTemperature), shape: [1]))
        temperatureOptimizer = Adam(parameters: [logTemperature], learningRate: configuration.learningRate)
        self.rng = rng.split()
        batch = ReplayBatch(batchSize: configuration.batchSize, observationWidth: observationWidth,
                            actionWidth: actionWidth)
        subset = Array(0..<configuration.criticCount)
    }

    /// Current entropy temperature α.
    public var temperature: Float { exp(logTemperature.storage.pointer[0]) }

    /// Target entropy in use.
    public var targetEntropy: Float { configuration.targetEntropy ?? -Float(actionWidth) / 2 }

    // MARK: Acting

    /// Chooses an action in `[-1, 1]`: a sample from the squashed Gaussian, or its mode when `deterministic`.
    public func act(_ observation: [Float], deterministic: Bool = false) throws -> [Float] {
        guard observation.count == observationWidth else {
            throw RLError.widthMismatch("actor expects \(observationWidth) observation values, got \(observation.count)")
        }
        single = try Tensor(shape: [1, observationWidth], scalars: observation)
        try actor.forward(single, into: &singleOutput)
        return SoftActorCritic.squash(singleOutput.scalars, actionWidth: actionWidth,
                                      range: configuration.logStandardDeviationRange,
                                      deterministic: deterministic, rng: &rng)
    }

    static func squash(_ output: [Float], actionWidth: Int, range: ClosedRange<Float>, deterministic: Bool,
                       rng: inout SplitMix64) -> [Float] {
        (0..<actionWidth).map { j in
            if deterministic { return tanh(output[j]) }
            let logStd = min(max(output[actionWidth + j], range.lowerBound), range.upperBound)
            return tanh(output[j] + exp(logStd) * Float(rng.nextGaussian()))
        }
    }

    /// A copy of the actor's weights for an acting loop.
    public func snapshot() -> SACPolicySnapshot {
        SACPolicySnapshot(specification: actorSpecification, weights: actor.stateDictionary(),
                          logStandardDeviationRange: configuration.logStandardDeviationRange,
                          version: actorUpdateCount)
    }

    // MARK: Learning

    /// Runs `updatesPerStep` critic updates and one actor/temperature update on batches drawn from `online`
    /// and, when given and non-empty, symmetrically from `demonstrations`.
    @discardableResult
    public func update(online: ReplayBuffer, demonstrations: ReplayBuffer? = nil) throws -> SACUpdateMetrics {
        guard online.observationWidth == observationWidth, online.actionWidth == actionWidth else {
            throw RLError.widthMismatch("buffer widths \(online.observationWidth)/\(online.actionWidth) differ from "
                + "the learner's \(observationWidth)/\(actionWidth)")
        }
        guard !online.isEmpty || !(demonstrations?.isEmpty ?? true) else {
            throw RLError.invalidConfiguration("cannot update from empty replay buffers: collect transitions first")
        }
        var criticLoss: Float = 0
        for _ in 0..<configuration.updatesPerStep {
            sampleBatch(online: online, demonstrations: demonstrations)
            criticLoss += try updateCritics()
        }
        let (actorLoss, entropy) = try updateActor()
        return SACUpdateMetrics(criticLoss: criticLoss / Float(configuration.updatesPerStep), actorLoss: actorLoss,
                                temperature: temperature, entropy: entropy)
    }

    private func sampleBatch(online: ReplayBuffer, demonstrations: ReplayBuffer?) {
        let size = configuration.batchSize
        if let demonstrations, !demonstrations.isEmpty, demonstrations.observationWidth == observationWidth,
           demonstrations.actionWidth == actionWidth {
            let fromDemonstrations = online.isEmpty
                ? size : Int((Float(size) * configuration.demonstrationFraction).rounded())
            demonstrations.sample(rows: fromDemonstrations, into: &batch, rng: &rng)
            online.sample(rows: size - fromDemonstrations, into: &batch, rowOffset: fromDemonstrations, rng: &rng)
        } else {
            online.sample(rows: size, into: &batch, rng: &rng)
        }
    }

    /// Samples squashed actions and log-probabilities from `actorOutput`, drawing fresh noise.
    private func samplePolicy(rows: Int) {
        let width = actionWidth
        noise.resize(rows: rows, columns: width)
        squashed.resize(rows: rows, columns: width)
        logProbability.resize(rows: rows, columns: 1)
        let range = configuration.logStandardDeviationRange
        let halfLogTwoPi: Float = 0.918_938_5
        for row in 0..<rows {
            var logp: Float = 0
            for j in 0..<width {
                let mean = actorOutput.scalars[row * 2 * width + j]
                let logStd = min(max(actorOutput.scalars[row * 2 * width + width + j], range.lowerBound),
                                 range.upperBound)
                let e = Float(rng.nextGaussian())
                noise.scalars[row * width + j] = e
                let a = tanh(mean + exp(logStd) * e)
                squashed.scalars[row * width + j] = a
                logp += -0.5 * e * e - logStd - halfLogTwoPi - log(1 - a * a + 1e-6)
            }
            logProbability.scalars[row] = logp
        }
    }

    private func concatenate(_ states: Tensor, _ actions: Tensor, rows: Int) {
        let width = observationWidth + actionWidth
        criticInput.resize(rows: rows, columns: width)
        for row in 0..<rows {
            for j in 0..<observationWidth {
                criticInput.scalars[row * width + j] = states.scalars[row * observationWidth + j]
            }
            for j in 0..<actionWidth {
                criticInput.scalars[row * width + observationWidth + j] = actions.scalars[row * actionWidth + j]
            }
        }
    }

    private func updateCritics() throws -> Float {
        let rows = configuration.batchSize
        let gamma = configuration.discount
        let alpha = temperature
        // Target: r + γ·(1 − done)·(min over a random critic subset of Q̄(s', a') − α·log π(a'|s')).
        try actor.forward(batch.nextObservations, into: &actorOutput)
        samplePolicy(rows: rows)
        concatenate(batch.nextObservations, squashed, rows: rows)
        for k in 0..<configuration.targetSubsetSize {
            let pick = k + rng.nextIndex(below: subset.count - k)
            subset.swapAt(k, pick)
        }
        targetMinimum.resize(rows: rows, columns: 1)
        for (k, index) in subset.prefix(configuration.targetSubsetSize).enumerated() {
            try targetCritics[index].forward(criticInput, into: &q)
            for row in 0..<rows {
                targetMinimum.scalars[row] = k == 0 ? q.scalars[row] : min(targetMinimum.scalars[row], q.scalars[row])
            }
        }
        targetValues.resize(rows: rows, columns: 1)
        for row in 0..<rows {
            targetValues.scalars[row] = batch.rewards.scalars[row] + gamma * batch.notTerminal.scalars[row]
                * (targetMinimum.scalars[row] - alpha * logProbability.scalars[row])
        }
        concatenate(batch.observations, batch.actions, rows: rows)
        var loss: Float = 0
        for critic in critics {
            try critic.forward(criticInput, into: &q, training: true)
            loss += try MSELoss()(prediction: q, target: targetValues, gradient: &criticGradient)
            try critic.backward(criticGradient)
        }
        criticOptimizer.step()
        let tau = configuration.polyakRate
        for (critic, target) in zip(critics, targetCritics) {
            for (source, destination) in zip(critic.parameters, target.parameters) {
                let s = source.storage.pointer, d = destination.storage.pointer
                for index in 0..<source.count { d[index] += tau * (s[index] - d[index]) }
            }
        }
        criticUpdateCount += 1
        return loss / Float(critics.count)
    }

    private func updateActor() throws -> (loss: Float, entropy: Float) {
        let rows = configuration.batchSize
        let width = actionWidth
        let alpha = temperature
        try actor.forward(batch.observations, into: &actorOutput, training: true)
        samplePolicy(rows: rows)
        concatenate(batch.observations, squashed, rows: rows)
        // dLoss/dâ from −mean over critics of Q(s, â); critic parameters untouched (mode .skip).
        let criticWidth = observationWidth + width
        actionGradient.resize(rows: rows, columns: width)
        actionGradient.scalars.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        qGradient.resize(rows: rows, columns: 1)
        let qScale = -1 / Float(rows * critics.count)
        qGradient.scalars.withUnsafeMutableBufferPointer { $0.update(repeating: qScale) }
        qSum.resize(rows: rows, columns: 1)
        qSum.scalars.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        for critic in critics {
            try critic.forward(criticInput, into: &q, training: true)
            try critic.backward(qGradient, gradInput: &criticInputGradient, mode: .skip)
            for row in 0..<rows {
                qSum.scalars[row] += q.scalars[row]
                for j in 0..<width {
                    actionGradient.scalars[row * width + j] += criticInputGradient.scalars[row * criticWidth
                        + observationWidth + j]
                }
            }
        }
        let bcWeight = configuration.behaviourCloningWeight
        var loss: Float = 0, entropy: Float = 0
        let invRows = 1 / Float(rows)
        for row in 0..<rows {
            loss += alpha * logProbability.scalars[row] - qSum.scalars[row] / Float(critics.count)
            entropy -= logProbability.scalars[row]
            if bcWeight > 0 {
                for j in 0..<width {
                    let difference = squashed.scalars[row * width + j] - batch.actions.scalars[row * width + j]
                    loss += bcWeight * difference * difference
                    actionGradient.scalars[row * width + j] += 2 * bcWeight * difference * invRows
                }
            }
        }
        loss *= invRows
        entropy *= invRows
        // Chain through a = tanh(u), u = μ + σ·ε; α·log π contributes α·2a per unit of u and −α per log σ.
        actorGradient.resize(rows: rows, columns: 2 * width)
        let scale = alpha * invRows
        let range = configuration.logStandardDeviationRange
        for row in 0..<rows {
            for j in 0..<width {
                let a = squashed.scalars[row * width + j]
                let rawLogStd = actorOutput.scalars[row * 2 * width + width + j]
                let std = exp(min(max(rawLogStd, range.lowerBound), range.upperBound))
                let e = noise.scalars[row * width + j]
                let du = actionGradient.scalars[row * width + j] * (1 - a * a) + scale * 2 * a
                actorGradient.scalars[row * 2 * width + j] = du
                let inRange = range.contains(rawLogStd)
                actorGradient.scalars[row * 2 * width + width + j] = inRange ? du * std * e - scale : 0
            }
        }
        try actor.backward(actorGradient)
        actorOptimizer.step()
        if configuration.tuneTemperature {
            // Loss α·(H − H̄): d/d log α = α·(H − H̄).
            logTemperature.gradientStorage.pointer[0] = alpha * (entropy - targetEntropy)
            temperatureOptimizer.step()
        }
        actorUpdateCount += 1
        return (loss, entropy)
    }
}
