/// Confusion counts of a success detector against ground truth, with the derived rates.
public struct ClassificationMetrics: Sendable, Codable, Equatable {
    /// Predicted success, truly successful.
    public var truePositives = 0
    /// Predicted success, truly failed (the costly error: a false reward).
    public var falsePositives = 0
    /// Predicted failure, truly failed.
    public var trueNegatives = 0
    /// Predicted failure, truly successful.
    public var falseNegatives = 0

    /// Creates empty counts.
    public init() {}

    /// Adds one prediction.
    public mutating func record(predicted: Bool, truth: Bool) {
        switch (predicted, truth) {
        case (true, true): truePositives += 1
        case (true, false): falsePositives += 1
        case (false, false): trueNegatives += 1
        case (false, true): falseNegatives += 1
        }
    }

    /// Adds `other`'s counts (predictions judged elsewhere, by another worker or run).
    public mutating func add(_ other: ClassificationMetrics) {
        truePositives += other.truePositives
        falsePositives += other.falsePositives
        trueNegatives += other.trueNegatives
        falseNegatives += other.falseNegatives
    }

    /// Number of predictions.
    public var total: Int { truePositives + falsePositives + trueNegatives + falseNegatives }
    /// Share of predictions that agree with the truth.
    public var accuracy: Double { ratio(truePositives + trueNegatives, total) }
    /// Share of predicted successes that are true (1 when none was predicted).
    public var precision: Double { truePositives + falsePositives == 0 ? 1 : ratio(truePositives, truePositives + falsePositives) }
    /// Share of true successes detected.
    public var recall: Double { ratio(truePositives, truePositives + falseNegatives) }
    /// Share of true failures reported as successes.
    public var falsePositiveRate: Double { ratio(falsePositives, falsePositives + trueNegatives) }
    /// Share of all predictions that are false positives.
    public var falsePositiveShare: Double { ratio(falsePositives, total) }

    private func ratio(_ a: Int, _ b: Int) -> Double { b == 0 ? 0 : Double(a) / Double(b) }
}
