import Enpire
import EnpireLearning
import Foundation

extension PushTStationRL {
    /// Discounted returns of each decision from the station's recorded camera scores: a decision's reward is the
    /// change of the score over its control steps, plus the success bonus when the episode's camera verdict was a
    /// success and this is its last decision, minus the step cost per step.
    static func returns(decisions: [PushTSelectorDecision], steps: [StepRecord], success: Bool,
                        configuration: Configuration) -> [Double] {
        guard !decisions.isEmpty, !steps.isEmpty else { return [] }
        let scores = steps.map { $0.reward ?? 0 }
        func scoreBefore(_ step: Int) -> Double { step <= 0 ? scores[0] : scores[min(step - 1, scores.count - 1)] }
        var rewards: [Double] = []
        for (index, decision) in decisions.enumerated() {
            let end = index + 1 < decisions.count ? decisions[index + 1].step : steps.count
            var reward = scoreBefore(end) - scoreBefore(decision.step)
            reward -= configuration.stepCost * Double(max(0, end - decision.step))
            if index == decisions.count - 1, success { reward += configuration.successBonus }
            rewards.append(reward)
        }
        var returns = [Double](repeating: 0, count: rewards.count)
        var running = 0.0
        for index in rewards.indices.reversed() {
            let end = index + 1 < decisions.count ? decisions[index + 1].step : steps.count
            running = rewards[index] + pow(configuration.discount, Double(max(0, end - decisions[index].step))) * running
            returns[index] = running
        }
        return returns
    }

    /// Policy-gradient update on a round's decisions: the critic (a state-value MLP) is first fitted to the
    /// round's returns, advantages are return − value, normalised over the round; the gradient of
    /// `−A·log π(a|s) + β·KL(π₀ ‖ π)` with respect to the scores is `A·(π − e_a) + β·(π − π₀)`. With
    /// ``Configuration/clipRatio`` ε the first term is PPO's `−min(r·A, clip(r, 1 − ε, 1 + ε)·A)`, r = π(a|s) / π_old(a|s)
    /// against the policy that acted (gradient `A·r·(π − e_a)`, zero where the clip is active).
    func update(network: Sequential, optimizer: Adam, critic: (network: Sequential, optimizer: Adam),
                base: PushTPrimitiveModel, explored: [Explored], rng: inout SplitMix64) throws {
        var rows: [(features: [Float], choice: Int, advantage: Float, prior: [Float], acting: Float)] = []
        for episode in explored {
            for (decision, value) in zip(episode.decisions, episode.advantages) {
                rows.append((decision.features, decision.choice, Float(value),
                             PushTSelectorExploration.softmax(base.logits(decision.features)), 1))
            }
        }
        if configuration.clipRatio != nil {
            let width = PushTPrimitiveFeatures.count
            for index in rows.indices {
                let scores = try network.forward(Tensor(shape: [1, width], scalars: rows[index].features)).scalars
                rows[index].acting = PushTSelectorExploration.softmax(scores)[rows[index].choice]
            }
        }
        guard rows.count > 1 else { return }
        let values = try fitCritic(critic, rows: rows.map { ($0.features, $0.advantage) }, rng: &rng)
        for index in rows.indices { rows[index].advantage -= values[index] }
        let mean = rows.reduce(0) { $0 + Double($1.advantage) } / Double(rows.count)
        let variance = rows.reduce(0) { $0 + pow(Double($1.advantage) - mean, 2) } / Double(rows.count)
        let scale = Float(1 / max(sqrt(variance), 1e-6))
        for index in rows.indices { rows[index].advantage = (rows[index].advantage - Float(mean)) * scale }
        let width = PushTPrimitiveFeatures.count
        let classes = base.primitiveCount
        let batch = min(configuration.batchSize, rows.count)
        var input = Tensor.zeros([batch, width])
        var logits = Tensor.zeros([batch, classes])
        var gradient = Tensor.zeros([batch, classes])
        var order = Array(rows.indices)
        let beta = configuration.klWeight
        let clip = configuration.clipRatio
        for _ in 0..<configuration.epochs {
            try forEachShuffledBatch(&order, batch: batch, rng: &rng) { picked in
                let batchRows = picked.map { rows[$0] }
                input.scalars.withUnsafeMutableBufferPointer { x in
                    for (row, sample) in batchRows.enumerated() {
                        for k in 0..<width { x[row * width + k] = sample.features[k] }
                    }
                }
                try network.forward(input, into: &logits, training: true)
                let z = logits.scalars
                gradient.scalars.withUnsafeMutableBufferPointer { g in
                    for (row, sample) in batchRows.enumerated() {
                        let pi = PushTSelectorExploration.softmax(Array(z[(row * classes)..<((row + 1) * classes)]))
                        var weight = sample.advantage
                        if let clip {
                            let ratio = pi[sample.choice] / max(sample.acting, 1e-8)
                            let clipped = sample.advantage > 0 ? ratio > 1 + clip : ratio < 1 - clip
                            weight = clipped ? 0 : sample.advantage * ratio
                        }
                        for k in 0..<classes {
                            let chosen: Float = k == sample.choice ? 1 : 0
                            g[row * classes + k] = (weight * (pi[k] - chosen) + beta * (pi[k] - sample.prior[k]))
                                / Float(batch)
                        }
                    }
                }
                try network.backward(gradient)
                optimizer.step()
            }
        }
    }

    /// Fits the critic to `(features, return)` rows for ``Configuration/criticEpochs`` passes and returns its
    /// values on them afterwards.
    func fitCritic(_ critic: (network: Sequential, optimizer: Adam), rows: [(features: [Float], target: Float)],
                   rng: inout SplitMix64) throws -> [Float] {
        let width = PushTPrimitiveFeatures.count
        let batch = min(configuration.batchSize, rows.count)
        var input = Tensor.zeros([batch, width])
        var target = Tensor.zeros([batch, 1])
        var prediction = Tensor.zeros([batch, 1])
        var gradient = Tensor.zeros([batch, 1])
        var order = Array(rows.indices)
        let loss = MSELoss()
        for _ in 0..<configuration.criticEpochs {
            try forEachShuffledBatch(&order, batch: batch, rng: &rng) { picked in
                input.scalars.withUnsafeMutableBufferPointer { x in
                    target.scalars.withUnsafeMutableBufferPointer { t in
                        for (row, index) in picked.enumerated() {
                            for k in 0..<width { x[row * width + k] = rows[index].features[k] }
                            t[row] = rows[index].target
                        }
                    }
                }
                try critic.network.forward(input, into: &prediction, training: true)
                _ = try loss(prediction: prediction, target: target, gradient: &gradient)
                try critic.network.backward(gradient)
                critic.optimizer.step()
            }
        }
        return try rows.map { row in
            try critic.network.forward(Tensor(shape: [1, width], scalars: row.features)).scalars[0]
        }
    }

    static func copy(_ network: Sequential, _ specification: MLPSpecification) throws -> sending Sequential {
        var rng = SplitMix64(seed: 0)
        let copy = try specification.makeNetwork(rng: &rng)
        try copy.load(stateDictionary: network.stateDictionary())
        return copy
    }
}
