public import EnpireResearch
public import EnpireSim

/// The `reality=` and `held-out-reality=` options of a simulated task with a `TaskReality` perturbation model
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
    public func stationReality(for role: StationRole, clean: TaskReality) -> TaskReality {
        (role.isEvaluation ? heldOutReality ?? reality : reality) ?? clean
    }

    /// Help lines of the two options for a task's `options`.
    public static func help(task: String) -> [String: String] {
        ["reality": "clean|mild|harsh|FILE: \(task) departures the stations live in (Docs/SimToReal.md)",
         "held-out-reality": "clean|mild|harsh|FILE: the departures of the evaluator stations only (default: reality)"]
    }

    /// `task` with `options` (only `reality=` and `held-out-reality=`, loaded as `Model`'s) applied to the
    /// options at `realities`.
    ///
    /// - Throws: `ResearchError.badOption` for another key or a reality that cannot be loaded.
    public static func configured<Task: ResearchTask, Model: TaskRealityModel>(
        _ task: Task, _ options: [String: String], realities: WritableKeyPath<Task, TaskRealityOptions>,
        model: Model.Type) throws -> Task {
        var task = task
        for (key, value) in options.sorted(by: { $0.key < $1.key }) {
            guard key == "reality" || key == "held-out-reality" else {
                throw ResearchError.badOption(task: task.name, option: key,
                                              reason: "known options: \(task.options.keys.sorted().joined(separator: ", "))")
            }
            let loaded: TaskReality
            do { loaded = try Model.load(nameOrPath: value) } catch {
                throw ResearchError.badOption(task: task.name, option: key, reason: "\(error)")
            }
            if key == "reality" { task[keyPath: realities].reality = loaded } else {
                task[keyPath: realities].heldOutReality = loaded
            }
        }
        return task
    }

    /// The criteria parameters that freeze the realities (empty when clean, so clean criteria stay as they were).
    public var criteriaParameters: [String: String] {
        guard isPerturbed else { return [:] }
        return ["reality": reality?.name ?? "clean", "heldOutReality": (heldOutReality ?? reality)?.name ?? "clean"]
    }
}
