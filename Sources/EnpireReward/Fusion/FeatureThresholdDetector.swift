public import Enpire

/// Turns a non-visual signal (an entry of `Observation.features`, or an arm's joint value) into a vote, for
/// fusing with cameras (for example end-effector height or estimated force during pin insertion).
public struct FeatureThresholdDetector: Sendable, Codable, Equatable {
    /// Name of the vote and of the feature vector read.
    public var feature: String
    /// Index within the feature vector.
    public var index: Int
    /// Range in which the signal means success.
    public var lower: Double
    /// Upper end of the success range.
    public var upper: Double

    /// Creates a detector.
    public init(feature: String, index: Int = 0, lower: Double, upper: Double) {
        self.feature = feature
        self.index = index
        self.lower = lower
        self.upper = upper
    }

    /// The vote for `observation`, or nil when the feature is absent or not finite (the fusion reports it missing).
    public func vote(_ observation: Observation) -> Vote? {
        guard let values = observation.features[feature], index >= 0, index < values.count,
              values[index].isFinite else { return nil }
        let value = values[index]
        let success = value >= lower && value <= upper
        let width = max(upper - lower, 1e-12)
        let distance = success ? 0 : min(abs(value - lower), abs(value - upper)) / width
        return Vote(source: feature, success: success, score: success ? 1 : max(0, 1 - distance))
    }
}
