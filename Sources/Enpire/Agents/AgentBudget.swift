/// Limits for one run of an external coding agent on a station.
public struct AgentBudget: Sendable, Codable, Equatable {
    /// Longest wall-clock budget accepted: 30 days, in seconds.
    public static let maximumWallSeconds = 30.0 * 86_400
    /// Most trials one run may be given.
    public static let maximumTrials = 1_000_000

    /// Wall-clock limit in seconds; the agent is stopped (SIGTERM, then SIGKILL) when it is reached.
    public var wallSeconds: Double
    /// Trials the agent may start (enforced by the runner, which owns the budget state; see `PushTWorkspace`).
    public var trials: Int
    /// Tokens the agent may spend, as it reports them; the agent is stopped once it reports more.
    public var tokens: Int

    /// Creates a budget (checked by ``validate()``, which ``AgentRunner`` calls before starting an agent).
    public init(wallSeconds: Double, trials: Int, tokens: Int) {
        self.wallSeconds = wallSeconds
        self.trials = trials
        self.tokens = tokens
    }

    /// Throws ``AgentBudgetError`` unless the wall budget is finite and in (0, 30 days], and the trial and token
    /// budgets are non-negative (trials at most ``maximumTrials``).
    public func validate() throws {
        guard wallSeconds.isFinite, wallSeconds > 0, wallSeconds <= Self.maximumWallSeconds else {
            throw AgentBudgetError.wallSeconds(wallSeconds)
        }
        guard (0...Self.maximumTrials).contains(trials) else { throw AgentBudgetError.trials(trials) }
        guard tokens >= 0 else { throw AgentBudgetError.tokens(tokens) }
    }
}

/// A budget value that cannot be enforced.
public enum AgentBudgetError: Error, Equatable, CustomStringConvertible {
    /// The wall budget is not a finite number of seconds in (0, 30 days].
    case wallSeconds(Double)
    /// The trial budget is negative or larger than ``AgentBudget/maximumTrials``.
    case trials(Int)
    /// The token budget is negative.
    case tokens(Int)

    /// A message a user can act on.
    public var description: String {
        switch self {
        case .wallSeconds(let value):
            return "wall budget \(value) s is not usable: give a finite number of seconds above 0 and at most "
                + "\(Int(AgentBudget.maximumWallSeconds)) (30 days)"
        case .trials(let value): return "trial budget \(value) is not usable: give 0...\(AgentBudget.maximumTrials)"
        case .tokens(let value): return "token budget \(value) is not usable: give 0 or more"
        }
    }
}
