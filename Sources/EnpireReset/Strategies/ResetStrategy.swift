public import Enpire

/// One way of putting the scene back (taught keyposes, push-to-pose, pick-and-place, ...), without judging the
/// result: an ``EscalatingReset`` verifies after each attempt and decides whether to retry or escalate.
public protocol ResetStrategy: Sendable {
    /// Short name recorded in outcomes and statistics (for example `"keyposes"`, `"push-to-pose"`).
    var name: String { get }
    /// Makes one attempt for the start state drawn from `context.seed`, stopping by `deadlineSeconds`
    /// (a time on `context.clock`). Throws when the attempt cannot be carried out (an arm fault, for example).
    func attempt(_ context: ResetContext, deadlineSeconds: Double) async throws
    /// What a person must do for this strategy, when the robot cannot do it alone (see ``OperatorStep``);
    /// nil (the default) for a strategy the robot carries out itself.
    var operatorInstruction: String? { get }
}

extension ResetStrategy {
    /// nil: the robot carries the strategy out itself.
    public var operatorInstruction: String? { nil }
}

/// Why a reset strategy stopped early.
public enum ResetStrategyError: Error, Equatable, CustomStringConvertible {
    /// The attempt ran out of its time budget before finishing.
    case deadlineReached(strategy: String, atSeconds: Double)
    /// The strategy was configured in a way it cannot execute.
    case invalidConfiguration(String)

    /// A message a user can act on.
    public var description: String {
        switch self {
        case .deadlineReached(let strategy, let at):
            return "strategy \(strategy) reached its deadline at t = \(at) s before finishing; "
                + "raise the reset's time budget or make the motion faster"
        case .invalidConfiguration(let message): return "invalid reset configuration: \(message)"
        }
    }
}
