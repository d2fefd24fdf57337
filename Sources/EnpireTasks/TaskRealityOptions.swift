public import EnpireResearch
public import EnpireSim

/// The `reality=` and `held-out-reality=` options of a simulated task with a ``TaskReality`` perturbation model
/// (pin insertion, zip-tie): research stations live in ``reality``, evaluator stations in ``heldOutReality``
/// (default: ``reality``), a range the research stations never saw.
public struct TaskRealityOptions: Sendable, Equatable {
    /// The reality of the research stations (nil: clean).
    public var reality: TaskReality?
    /// The reality of the evaluator stations, when it differs from ``reality``.
    public var heldOutReality: TaskReality?

    /// Creates clean options.
    public init(reality: TaskReality? = nil, heldOutReality: TaskReality? = nil) {
        self.reality = reality
        self.heldOutReality = heldOutReality
    }

    /// Whether either reality departs from the clean simulator.
    public var isPerturbed: Bool { !(reality?.isClean ?? true) || !(heldOutReality?.isClean ?? true) }

    /// The reality a station of `role` lives in.
    public func reality(for role: StationRole, clean: TaskReality) -> TaskReality {
        (role.isEvaluation ? heldOutReality ?? reality : reality) ?? clean
    }

    /// Help lines of the two options for a task's `options`.
    public static func help(task: String) -> [String: String] {
        ["reality": "clean|mild|harsh|FILE: \(task) departures the stations live in (Docs/SimToReal.md)",
         "held-out-reality": "clean|mild|harsh|FILE: the departures of the evaluator stations only (default: reality)"]
    }

    /// Applies `key` = `value` when `key` is one of the two options; false for any other key.
    ///
    /// - Throws: `ResearchError.badOption` when the reality cannot be loaded.
    public mutating func apply(key: String, value: String, task: String,
                               load: (String) throws(PushTRealityError) -> TaskReality) throws -> Bool {
        guard key == "reality" || key == "held-out-reality" else { return false }
        let loaded: TaskReality
        do { loaded = try load(value) } catch {
            throw ResearchError.badOption(task: task, option: key, reason: "\(error)")
        }
        if key == "reality" { reality = loaded } else { heldOutReality = loaded }
        return true
    }

    /// The criteria parameters that freeze the realities (empty when clean, so clean criteria stay as they were).
    public var criteriaParameters: [String: String] {
        guard isPerturbed else { return [:] }
        return ["reality": reality?.name ?? "clean", "heldOutReality": (heldOutReality ?? reality)?.name ?? "clean"]
    }
}
