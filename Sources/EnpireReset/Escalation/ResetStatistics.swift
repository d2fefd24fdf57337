import Enpire

/// Counters over every reset a routine has run: how many, how long, how many attempts, and why they failed.
public struct ResetStatistics: Sendable, Codable, Equatable {
    /// Resets requested.
    public var resets: Int = 0
    /// Resets that ended verified.
    public var verified: Int = 0
    /// Resets that ended unverified (the station pauses on each).
    public var failures: Int = 0
    /// Attempts made over all resets.
    public var attempts: Int = 0
    /// Attempts per strategy name.
    public var attemptsByStrategy: [String: Int] = [:]
    /// Verified resets per strategy name (the strategy whose attempt passed).
    public var verifiedByStrategy: [String: Int] = [:]
    /// Failed attempts and failed resets, counted by reason category (for example `"verification"`,
    /// `"time budget"`, `"strategy error"`).
    public var failureReasons: [String: Int] = [:]
    /// Robot time spent resetting, in seconds.
    public var totalSeconds: Double = 0
    /// Robot time of each reset, in seconds, oldest first (the most recent ``durationHistoryLimit`` resets).
    public var durationsSeconds: [Double] = []
    /// The reason of the last unverified reset, if any.
    public var lastFailureReason: String?

    /// How many reset durations are kept for percentiles.
    public static let durationHistoryLimit = 10_000

    /// Creates empty statistics.
    public init() {}

    /// Fraction of resets verified (1 when none ran).
    public var verifiedRate: Double { resets == 0 ? 1 : Double(verified) / Double(resets) }

    /// The `q`-quantile (0...1, nearest rank) of the kept reset durations, or `nil` when none ran.
    public func durationQuantile(_ q: Double) -> Double? {
        guard !durationsSeconds.isEmpty else { return nil }
        let sorted = durationsSeconds.sorted()
        let rank = Int((min(max(q, 0), 1) * Double(sorted.count)).rounded(.up)) - 1
        return sorted[min(max(rank, 0), sorted.count - 1)]
    }

    mutating func record(_ outcome: ResetOutcome) {
        resets += 1
        if outcome.verified {
            verified += 1
            verifiedByStrategy[outcome.strategy, default: 0] += 1
        } else {
            failures += 1
            lastFailureReason = outcome.reason
        }
        totalSeconds += outcome.elapsedSeconds
        durationsSeconds.append(outcome.elapsedSeconds)
        if durationsSeconds.count > Self.durationHistoryLimit {
            durationsSeconds.removeFirst(durationsSeconds.count - Self.durationHistoryLimit)
        }
    }
}
