/// How several detectors' votes combine into one decision.
public enum FusionRule: Sendable, Codable, Equatable {
    /// Success only when every vote says success (the strictest: favours few false positives).
    case all
    /// Success when more than half of the votes say success.
    case majority
    /// Success when the weighted mean score reaches `threshold` (sources without a weight count 1).
    case weighted(weights: [String: Double], threshold: Double)
}
