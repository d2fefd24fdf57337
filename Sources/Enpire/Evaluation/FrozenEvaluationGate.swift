/// The trial-runner-side check that admits only trials scored under the frozen criteria.
public struct FrozenEvaluationGate: Sendable {
    /// The frozen criteria.
    public let criteria: FrozenCriteria
    /// Their content hash.
    public let frozenHash: String

    /// Freezes `criteria`.
    public init(criteria: FrozenCriteria) throws {
        self.criteria = criteria
        frozenHash = try criteria.contentHash()
    }

    /// Admits a trial carrying full criteria, or throws naming the fields that changed.
    public func admit(_ trialCriteria: FrozenCriteria) throws {
        let trialHash = try trialCriteria.contentHash()
        guard trialHash != frozenHash else { return }
        var fields = criteria.changedFields(comparedTo: trialCriteria)
        if fields.isEmpty {
            // Same field values but different bytes can only come from an encoder change; say so.
            fields = ["canonical encoding"]
        }
        throw EvaluationError.frozenCriteriaChanged(changedFields: fields, expectedHash: frozenHash,
                                                    trialHash: trialHash)
    }

    /// Admits a trial carrying only a hash, or throws.
    public func admit(hash trialHash: String) throws {
        guard trialHash == frozenHash else {
            throw EvaluationError.frozenHashMismatch(expectedHash: frozenHash, trialHash: trialHash)
        }
    }
}
