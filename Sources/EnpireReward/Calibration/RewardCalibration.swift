import Enpire

/// Fits a Push-T camera reward's thresholds from a few labelled examples (final frames with ground truth).
///
/// The examples are shuffled with a seed and split into fitting (60 %), validation (20 %) and held-out (20 %)
/// parts. For each candidate agent weight the fitting part gives the cost-minimising threshold (a false positive
/// costs ``falsePositiveCost`` false negatives, the threshold sits mid-gap between the classes); the validation
/// part chooses the weight; the held-out part is only measured. A few dozen examples suffice because the
/// decision value is already the estimated uncovered share of the goal: only its threshold needs tuning.
public struct RewardCalibration: Sendable {
    /// One labelled example.
    public struct Example: Sendable, Codable, Equatable {
        /// What the analyzer measured in the example's final frame.
        public var features: PushTFrameFeatures
        /// Ground-truth success.
        public var success: Bool

        /// Creates an example.
        public init(features: PushTFrameFeatures, success: Bool) {
            self.features = features
            self.success = success
        }
    }

    /// What a calibration produced.
    public struct Report: Sendable, Codable, Equatable {
        /// The fitted model.
        public var model: PushTRewardModel
        /// Metrics on the fitting part.
        public var fitting: ClassificationMetrics
        /// Metrics on the validation part.
        public var validation: ClassificationMetrics
        /// Metrics on the held-out part (never used for a choice).
        public var heldOut: ClassificationMetrics
    }

    /// Cost of one false positive in false negatives.
    public var falsePositiveCost: Double
    /// Candidate weights of the agent-occlusion estimate.
    public var agentWeights: [Double]
    /// Seed of the split.
    public var seed: UInt64

    /// Creates a calibration.
    public init(falsePositiveCost: Double = 5, agentWeights: [Double] = [0, 0.5, 1, 1.5, 2], seed: UInt64 = 0) {
        self.falsePositiveCost = falsePositiveCost
        self.agentWeights = agentWeights
        self.seed = seed
    }

    /// Fits `base`'s thresholds (camera name and resolution are kept) to `examples`.
    ///
    /// - Throws: ``RewardError/badCalibration(_:)`` with fewer than 10 examples or without both outcomes.
    public func fit(_ examples: [Example], base: PushTRewardModel = PushTRewardModel()) throws -> Report {
        guard examples.count >= 10 else {
            throw RewardError.badCalibration("\(examples.count) examples; label at least 10 (20-50 recommended)")
        }
        let successes = examples.filter(\.success).count
        guard successes >= 2, examples.count - successes >= 2 else {
            throw RewardError.badCalibration(
                "\(successes) successes and \(examples.count - successes) failures; need at least 2 of each")
        }
        var random = SplitMix64(seed: seed)
        var shuffled = examples
        for i in stride(from: shuffled.count - 1, to: 0, by: -1) {
            shuffled.swapAt(i, Int(random.next() % UInt64(i + 1)))
        }
        let fitEnd = shuffled.count * 3 / 5, validationEnd = shuffled.count * 4 / 5
        let fitting = Array(shuffled[..<fitEnd]), validation = Array(shuffled[fitEnd..<validationEnd])
        let heldOut = Array(shuffled[validationEnd...])

        var best: (model: PushTRewardModel, cost: Double, gap: Double)?
        for weight in agentWeights {
            var model = base
            model.agentWeight = weight
            let (threshold, gap) = bestThreshold(fitting.map { (model.decisionValue($0.features), $0.success) })
            model.threshold = threshold
            let cost = self.cost(measure(model, on: validation)) + self.cost(measure(model, on: fitting))
            if best == nil || cost < best!.cost || (cost == best!.cost && gap > best!.gap) {
                best = (model, cost, gap)
            }
        }
        // Both guards above make `agentWeights` the only way to get here without a model.
        guard let chosen = best?.model else { throw RewardError.badCalibration("no candidate agent weight given") }
        return Report(model: chosen, fitting: measure(chosen, on: fitting),
                      validation: measure(chosen, on: validation), heldOut: measure(chosen, on: heldOut))
    }

    /// Metrics of `model` on `examples`.
    public func measure(_ model: PushTRewardModel, on examples: [Example]) -> ClassificationMetrics {
        var metrics = ClassificationMetrics()
        for example in examples {
            metrics.record(predicted: model.decisionValue(example.features) < model.threshold, truth: example.success)
        }
        return metrics
    }

    private func cost(_ m: ClassificationMetrics) -> Double {
        Double(m.falseNegatives) + falsePositiveCost * Double(m.falsePositives)
    }

    /// The threshold minimising the weighted error over `(value, success)` pairs (success means value < threshold),
    /// placed mid-gap between neighbouring values; returns it with the gap's width.
    private func bestThreshold(_ pairs: [(Double, Bool)]) -> (Double, Double) {
        let sorted = pairs.sorted { $0.0 < $1.0 }
        let totalSuccess = sorted.filter(\.1).count
        // Threshold below everything: every success is a false negative.
        var bestCost = Double(totalSuccess), bestThreshold = (sorted.first?.0 ?? 0) - 1e-6, bestGap = 0.0
        var successesBelow = 0, failuresBelow = 0
        for i in 0..<sorted.count {
            if sorted[i].1 { successesBelow += 1 } else { failuresBelow += 1 }
            let next = i + 1 < sorted.count ? sorted[i + 1].0 : sorted[i].0 + 0.02
            guard next > sorted[i].0 else { continue }
            let cost = Double(totalSuccess - successesBelow) + falsePositiveCost * Double(failuresBelow)
            let gap = next - sorted[i].0
            if cost < bestCost || (cost == bestCost && gap > bestGap) {
                bestCost = cost
                bestThreshold = (sorted[i].0 + next) / 2
                bestGap = gap
            }
        }
        return (bestThreshold, bestGap)
    }
}
