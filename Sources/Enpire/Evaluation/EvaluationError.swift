/// Errors raised by frozen evaluation: refused trials and misuse of the seed split.
public enum EvaluationError: Error, Equatable, CustomStringConvertible {
    /// A trial carried criteria whose hash differs from the frozen ones.
    case frozenCriteriaChanged(changedFields: [String], expectedHash: String, trialHash: String)
    /// A trial carried only a hash, and it differs from the frozen one.
    case frozenHashMismatch(expectedHash: String, trialHash: String)
    /// Held-out seeds were requested from a sealed split.
    case heldOutSeedsSealed(count: Int)
    /// Seeds given to unseal a split do not match its digest.
    case heldOutSeedsMismatch(expectedCount: Int, givenCount: Int)
    /// A seed appears in both the development and the held-out set.
    case overlappingSeeds(count: Int)
    /// A statistic was asked for with impossible counts.
    case invalidCounts(successes: Int, trials: Int)
    /// A mean step count was negative, infinite or not a number.
    case invalidMeanSteps(Double)

    /// A message that says what was refused and what to do.
    public var description: String {
        switch self {
        case let .frozenCriteriaChanged(fields, expected, trial):
            return "trial refused: frozen evaluation criteria changed in \(fields.joined(separator: ", ")) "
                + "(frozen hash \(expected.prefix(12)), trial hash \(trial.prefix(12))); revert those fields, "
                + "or freeze new criteria and start a new evaluation generation"
        case let .frozenHashMismatch(expected, trial):
            return "trial refused: its frozen-criteria hash \(trial.prefix(12)) differs from the frozen hash "
                + "\(expected.prefix(12)); it carried no criteria, so the changed fields cannot be named"
        case let .heldOutSeedsSealed(count):
            return "the \(count) held-out seeds are sealed in this split; the operator must unseal it with "
                + "unsealed(heldOut:secret:) for the final scoring run"
        case let .heldOutSeedsMismatch(expectedCount, givenCount):
            return "the \(givenCount) seeds given do not match the sealed held-out set of \(expectedCount) "
                + "(count or digest differs); use the operator's original seeds and secret"
        case let .overlappingSeeds(count):
            return "\(count) seeds are in both the development and the held-out set; make the sets disjoint"
        case let .invalidCounts(successes, trials):
            return "invalid counts: \(successes) successes out of \(trials) trials; need 0 <= successes <= trials"
        case let .invalidMeanSteps(value):
            return "invalid mean steps to success: \(value); need a finite value >= 0"
        }
    }
}
