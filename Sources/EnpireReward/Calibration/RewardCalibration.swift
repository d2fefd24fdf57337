import Enpire

/// Fits a Push-T camera reward's thresholds from a few labelled examples (final frames with ground truth).
///
/// The examples are shuffled with a seed and split into fitting (60 %), validation (20 %) and held-out (20 %)
/// parts. The fitting and validation parts together give the cost-minimising coverage threshold (a false positive
/// costs ``falsePositiveCost`` false negatives; among equally good thresholds the one mid-way across the widest
/// gap between the classes, then shifted up by ``safetyMargin`` to favour few false positives); the held-out part
/// is only measured. A few dozen examples suffice because the decision value is already an estimate of the
/// coverage gym-pusht thresholds: calibration only absorbs the estimator's bias.
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
    /// Added to the fitted threshold (a false positive is worse than a missed success).
    public var safetyMargin: Double
    /// Seed of the split.
    public var seed: UInt64

    /// Creates a calibration.
    public init(falsePositiveCost: Double = 5, safetyMargin: Double = 0.003, seed: UInt64 = 0) {
        self.falsePositiveCost = falsePositiveCost
        self.safetyMargin = safetyMargin
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

        var model = base
        model.threshold = bestThreshold((fitting + validation).map { ($0.features.estimatedCoverage, $0.success) },
                                        prior: base.threshold) + safetyMargin
        return Report(model: model, fitting: measure(model, on: fitting),
                      validation: measure(model, on: validation), heldOut: measure(model, on: heldOut))
    }

    /// Metrics of `model` on `examples`.
    public func measure(_ model: PushTRewardModel, on examples: [Example]) -> ClassificationMetrics {
        var metrics = ClassificationMetrics()
        for example in examples {
            metrics.record(predicted: model.isSuccess(example.features), truth: example.success)
        }
        return metrics
    }

    private func cost(_ m: ClassificationMetrics) -> Double {
        Double(m.falseNegatives) + falsePositiveCost * Double(m.falsePositives)
    }

    /// The threshold minimising the weighted error over `(value, success)` pairs (success means value > threshold).
    ///
    /// The decision value estimates the quantity the task thresholds (`prior`, gym-pusht's 0.95), so calibration
    /// only absorbs the estimator's bias: candidates stay within ``maximumShift`` of `prior`, and among equally
    /// good ones the closest to `prior` wins (examples far from the threshold say nothing about where it lies).
    private func bestThreshold(_ pairs: [(Double, Bool)], prior: Double) -> Double {
        let values = pairs.map(\.0).filter { abs($0 - prior) < maximumShift }.sorted()
        var candidates = [prior, prior - maximumShift, prior + maximumShift]
        for i in 0..<values.count {
            candidates.append(values[i] - 1e-9)
            if i + 1 < values.count { candidates.append((values[i] + values[i + 1]) / 2) }
        }
        var best = prior, bestCost = Double.infinity
        for candidate in candidates {
            var metrics = ClassificationMetrics()
            for (value, success) in pairs { metrics.record(predicted: value > candidate, truth: success) }
            let cost = cost(metrics)
            if cost < bestCost || (cost == bestCost && abs(candidate - prior) < abs(best - prior)) {
                bestCost = cost
                best = candidate
            }
        }
        return best
    }

    /// Largest distance of the fitted threshold from the task's own (before the safety margin).
    public var maximumShift = 0.02
}
