/// Limits for one run of an external coding agent on a station.
public struct AgentBudget: Sendable, Codable, Equatable {
    /// Wall-clock limit in seconds; the agent is stopped (SIGTERM, then SIGKILL) when it is reached.
    public var wallSeconds: Double
    /// Trials the agent may start (enforced by the trial runner through `ENPIRE_TRIAL_BUDGET`).
    public var trials: Int
    /// Tokens the agent may spend, as it reports them; the agent is stopped once it reports more.
    public var tokens: Int

    /// Creates a budget.
    public init(wallSeconds: Double, trials: Int, tokens: Int) {
        self.wallSeconds = wallSeconds
        self.trials = trials
        self.tokens = tokens
    }
}
