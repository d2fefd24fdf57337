/// Tokens an agent reported spending, at a time on the fleet's clock.
public struct TokenReport: Sendable, Codable, Equatable {
    /// Agent name.
    public var agent: String
    /// When the tokens were spent, in seconds.
    public var timeSeconds: Double
    /// Tokens spent (prompt plus completion).
    public var tokens: Int

    /// Creates a report.
    public init(agent: String, timeSeconds: Double, tokens: Int) {
        self.agent = agent
        self.timeSeconds = timeSeconds
        self.tokens = tokens
    }

    /// MTU: tokens per minute across all agents over [`start`, `end`] (0 for an empty window).
    public static func tokensPerMinute(_ reports: [TokenReport], from start: Double, to end: Double) -> Double {
        guard end > start else { return 0 }
        let tokens = reports.filter { $0.timeSeconds >= start && $0.timeSeconds <= end }.reduce(0) { $0 + $1.tokens }
        return Double(tokens) / ((end - start) / 60)
    }

    /// Tokens per minute for each agent over [`start`, `end`].
    public static func tokensPerMinuteByAgent(_ reports: [TokenReport], from start: Double, to end: Double)
        -> [String: Double]
    {
        Dictionary(grouping: reports, by: \.agent).mapValues { tokensPerMinute($0, from: start, to: end) }
    }
}
