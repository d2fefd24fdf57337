/// The task specification a frozen evaluation scores: a name and its parameters.
public struct TaskSpec: Sendable, Codable, Equatable {
    /// Task name (for example `"pusht"`).
    public var name: String
    /// Parameters that change what success means or how hard the task is (for example `"maxSteps": "300"`).
    public var parameters: [String: String]

    /// Creates a task specification.
    public init(name: String, parameters: [String: String] = [:]) {
        self.name = name
        self.parameters = parameters
    }
}

/// Everything that decides how a trial is scored, frozen for a whole research run and identified by a
/// content hash.
///
/// An agent improving a policy must not be able to improve its score by changing the judge; trials carry
/// these criteria (or their hash) and ``FrozenEvaluationGate`` refuses any that differ.
public struct FrozenCriteria: Sendable, Codable, Equatable {
    /// The task and its parameters.
    public var task: TaskSpec
    /// The reward function's identity (see ``RewardFunction/identity``).
    public var rewardIdentity: String
    /// The reset routine's identity (name plus version or file hash).
    public var resetIdentity: String
    /// A description of the safety limits in force (workspace box, speed and force limits).
    public var safetyLimits: String
    /// Evaluation seeds (held-out part redacted in every encoding).
    public var seeds: SeedSplit
    /// Number of most recent episodes the rolling score covers.
    public var scoreWindow: Int
    /// What counts as success, in words and thresholds (for example `"coverage >= 0.95 within 300 steps"`).
    public var successDefinition: String

    /// Creates criteria; `scoreWindow` defaults to 50 episodes.
    public init(task: TaskSpec, rewardIdentity: String, resetIdentity: String, safetyLimits: String,
                seeds: SeedSplit, scoreWindow: Int = 50, successDefinition: String) {
        self.task = task
        self.rewardIdentity = rewardIdentity
        self.resetIdentity = resetIdentity
        self.safetyLimits = safetyLimits
        self.seeds = seeds
        self.scoreWindow = scoreWindow
        self.successDefinition = successDefinition
    }

    /// Canonical JSON (sorted keys; held-out seeds appear only as count and digest).
    public func canonicalJSON() throws -> String {
        String(decoding: try CanonicalJSON.encode(self), as: UTF8.self)
    }

    /// SHA-256 of the canonical JSON, in lowercase hexadecimal.
    public func contentHash() throws -> String {
        try CanonicalJSON.sha256(self)
    }

    /// Names of the fields that differ from `other`, at the finest level that is useful to a person.
    public func changedFields(comparedTo other: FrozenCriteria) -> [String] {
        var fields: [String] = []
        if task.name != other.task.name { fields.append("task.name") }
        let keys = Set(task.parameters.keys).union(other.task.parameters.keys).sorted()
        for key in keys where task.parameters[key] != other.task.parameters[key] {
            fields.append("task.parameters.\(key)")
        }
        if rewardIdentity != other.rewardIdentity { fields.append("rewardIdentity") }
        if resetIdentity != other.resetIdentity { fields.append("resetIdentity") }
        if safetyLimits != other.safetyLimits { fields.append("safetyLimits") }
        if seeds.developmentSeeds != other.seeds.developmentSeeds { fields.append("seeds.development") }
        if seeds.heldOutCount != other.seeds.heldOutCount || seeds.heldOutDigest != other.seeds.heldOutDigest {
            fields.append("seeds.heldOut")
        }
        if scoreWindow != other.scoreWindow { fields.append("scoreWindow") }
        if successDefinition != other.successDefinition { fields.append("successDefinition") }
        return fields
    }
}
