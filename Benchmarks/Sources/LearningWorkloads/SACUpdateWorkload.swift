import Enpire
import Foundation
import EnpireLearning

/// The network work of one SAC update, mirrored operation for operation by `compare_torch.py`.
///
/// Actor 20→256→256→4 outputs the mean and log-std of a 2-D tanh-squashed Gaussian; critics (and their
/// targets) are 22→256→256→1 on `[state, action]`; batch 256; fixed temperature α = 0.2.
/// 1. target: `a' = tanh(μ(s') + σ(s')·ε')`, `y = r + γ·(min(Q̄₁, Q̄₂)(s', a') − α·log π(a'|s'))` (no gradients);
/// 2. critics: both `Qᵢ(s, a)` forward, MSE to `y`, backward, one Adam step over both critics;
/// 3. actor: reparameterised `â`, `Q₁(s, â)` forward, backward to the action only (critic parameters
///    untouched), chain rule through the squash and `α·log π`, actor backward, Adam step.
/// Noise `ε` is drawn once at set-up on both sides (sampling cost is not what is compared); target-network
/// Polyak averaging is omitted on both sides.
public final class SACUpdateWorkload {
    let actor: Sequential, critic1: Sequential, critic2: Sequential, target1: Sequential, target2: Sequential
    let actorOptimizer: Adam, criticOptimizer: Adam
    let observations: Tensor, nextObservations: Tensor, actions: Tensor, rewards: Tensor
    let noise: Tensor, nextNoise: Tensor
    let batchSize: Int
    let observationWidth = 20, actionWidth = 2
    let gamma: Float = 0.99, alpha: Float = 0.2
    var criticInput = Tensor.zeros([0]), targetValues = Tensor.zeros([0])
    var actorOutput = Tensor.zeros([0]), q1 = Tensor.zeros([0]), q2 = Tensor.zeros([0])
    var squashed = Tensor.zeros([0]), logProbability = Tensor.zeros([0])
    var gradient1 = Tensor.zeros([0]), gradient2 = Tensor.zeros([0])
    var criticInputGradient = Tensor.zeros([0]), actorGradient = Tensor.zeros([0])
    var qGradient = Tensor.zeros([0])

    /// Builds the networks and a fixed random batch.
    public init(batchSize: Int = 256, seed: UInt64 = 0) throws {
        self.batchSize = batchSize
        var rng = SplitMix64(seed: seed)
        actor = try MLPSpecification(inputFeatures: 20, hiddenWidths: [256, 256], outputFeatures: 4)
            .makeNetwork(rng: &rng)
        let criticSpec = MLPSpecification(inputFeatures: 22, hiddenWidths: [256, 256], outputFeatures: 1)
        critic1 = try criticSpec.makeNetwork(rng: &rng)
        critic2 = try criticSpec.makeNetwork(rng: &rng)
        target1 = try criticSpec.makeNetwork(rng: &rng)
        target2 = try criticSpec.makeNetwork(rng: &rng)
        actorOptimizer = Adam(parameters: actor.parameters, learningRate: 3e-4)
        criticOptimizer = Adam(parameters: critic1.parameters + critic2.parameters, learningRate: 3e-4)
        observations = Tensor.randomNormal([batchSize, 20], using: &rng)
        nextObservations = Tensor.randomNormal([batchSize, 20], using: &rng)
        actions = Tensor.randomUniform([batchSize, 2], in: -1...1, using: &rng)
        rewards = Tensor.randomNormal([batchSize, 1], using: &rng)
        noise = Tensor.randomNormal([batchSize, 2], using: &rng)
        nextNoise = Tensor.randomNormal([batchSize, 2], using: &rng)
        qGradient = Tensor(repeating: -1 / Float(batchSize), shape: [batchSize, 1])
    }

    /// Samples `tanh(μ + σ·ε)` from the actor output and its log-probability per row.
    private func sample(_ epsilon: Tensor) {
        squashed.resize(rows: batchSize, columns: actionWidth)
        logProbability.resize(rows: batchSize, columns: 1)
        let halfLogTwoPi: Float = 0.918_938_5
        for row in 0..<batchSize {
            var logp: Float = 0
            for j in 0..<actionWidth {
                let mean = actorOutput.scalars[row * 4 + j]
                let logStd = min(max(actorOutput.scalars[row * 4 + actionWidth + j], -20), 2)
                let e = epsilon.scalars[row * actionWidth + j]
                let a = tanhf(mean + expf(logStd) * e)
                squashed.scalars[row * actionWidth + j] = a
                logp += -0.5 * e * e - logStd - halfLogTwoPi - logf(1 - a * a + 1e-6)
            }
            logProbability.scalars[row] = logp
        }
    }

    private func concatenate(_ states: Tensor, _ actions: Tensor) {
        let width = observationWidth + actionWidth
        criticInput.resize(rows: batchSize, columns: width)
        for row in 0..<batchSize {
            for j in 0..<observationWidth {
                criticInput.scalars[row * width + j] = states.scalars[row * observationWidth + j]
            }
            for j in 0..<actionWidth {
                criticInput.scalars[row * width + observationWidth + j] = actions.scalars[row * actionWidth + j]
            }
        }
    }

    /// One update; returns the summed critic loss.
    @discardableResult
    public func step() throws -> Float {
        // 1. Bootstrapped target.
        try actor.forward(nextObservations, into: &actorOutput)
        sample(nextNoise)
        concatenate(nextObservations, squashed)
        try target1.forward(criticInput, into: &q1)
        try target2.forward(criticInput, into: &q2)
        targetValues.resize(rows: batchSize, columns: 1)
        for row in 0..<batchSize {
            targetValues.scalars[row] = rewards.scalars[row]
                + gamma * (min(q1.scalars[row], q2.scalars[row]) - alpha * logProbability.scalars[row])
        }
        // 2. Critics.
        concatenate(observations, actions)
        try critic1.forward(criticInput, into: &q1, training: true)
        try critic2.forward(criticInput, into: &q2, training: true)
        let loss = try MSELoss()(prediction: q1, target: targetValues, gradient: &gradient1)
            + MSELoss()(prediction: q2, target: targetValues, gradient: &gradient2)
        try critic1.backward(gradient1)
        try critic2.backward(gradient2)
        criticOptimizer.step()
        // 3. Actor: loss = mean(α·log π(â|s) − Q₁(s, â)).
        try actor.forward(observations, into: &actorOutput, training: true)
        sample(noise)
        concatenate(observations, squashed)
        try critic1.forward(criticInput, into: &q1, training: true)
        try critic1.backward(qGradient, gradInput: &criticInputGradient, mode: .skip)
        actorGradient.resize(rows: batchSize, columns: 4)
        let width = observationWidth + actionWidth
        let scale = alpha / Float(batchSize)
        for row in 0..<batchSize {
            for j in 0..<actionWidth {
                let a = squashed.scalars[row * actionWidth + j]
                let rawLogStd = actorOutput.scalars[row * 4 + actionWidth + j]
                let std = expf(min(max(rawLogStd, -20), 2))
                let e = noise.scalars[row * actionWidth + j]
                // d(−Q)/du through the squash, plus α·d(log π)/du where −log(1 − a²) contributes 2a.
                let du = criticInputGradient.scalars[row * width + observationWidth + j] * (1 - a * a)
                    + scale * 2 * a
                actorGradient.scalars[row * 4 + j] = du
                let inRange = rawLogStd >= -20 && rawLogStd <= 2
                actorGradient.scalars[row * 4 + actionWidth + j] = inRange ? du * std * e - scale : 0
            }
        }
        try actor.backward(actorGradient)
        actorOptimizer.step()
        return loss
    }
}
