public import Enpire
import Synchronization

/// The tasks `--task` can name: the built-in ones (EnpireTasks registers them) and any a lab registers from its
/// own package before running the commands.
///
/// ```swift
/// try TaskRegistry.shared.register(MyTask())
/// let task = try TaskRegistry.shared.task(named: "my-task")
/// ```
public final class TaskRegistry: Sendable {
    /// The process-wide registry the `enpire` commands resolve `--task` through.
    public static let shared = TaskRegistry()

    private let tasks = Mutex<[any ResearchTask]>([])

    /// An empty registry (tests use their own; commands use ``shared``).
    public init() {}

    /// Adds `task`; throws ``ResearchError/duplicateTask(_:)`` if its name or an alias is taken.
    public func register(_ task: any ResearchTask) throws {
        try tasks.withLock { tasks in
            let names = Set(tasks.flatMap { [$0.name] + $0.aliases })
            for name in [task.name] + task.aliases where names.contains(name) {
                throw ResearchError.duplicateTask(name)
            }
            tasks.append(task)
        }
    }

    /// Adds `task` unless a task of that name is registered already (idempotent set-up for built-ins).
    public func registerIfAbsent(_ task: any ResearchTask) {
        tasks.withLock { tasks in
            if !tasks.contains(where: { $0.name == task.name }) { tasks.append(task) }
        }
    }

    /// The task registered as `name` (or with `name` as an alias); throws ``ResearchError/unknownTask(_:known:)``
    /// listing the registered names.
    public func task(named name: String) throws -> any ResearchTask {
        let key = name.lowercased()
        let all = self.all
        if let task = all.first(where: { $0.name == key || $0.aliases.contains(key) }) { return task }
        throw ResearchError.unknownTask(name, known: all.map(\.name))
    }

    /// Every registered task, in registration order.
    public var all: [any ResearchTask] { tasks.withLock { $0 } }
}

/// What a registered task is, as `enpire tasks` and the MCP `tasks` tool list it.
public struct TaskSummary: Sendable, Codable, Equatable {
    /// Registry name.
    public var name: String
    /// Other names.
    public var aliases: [String]
    /// One line.
    public var summary: String
    /// The recipe space (parameters and ranges).
    public var space: RecipeSpace
    /// The baseline recipe.
    public var baseline: Recipe
    /// Control steps per episode at most.
    public var episodeLimit: Int
    /// Task options, name to meaning.
    public var options: [String: String]
    /// How the task's recipes are privileged, if they are.
    public var privilege: String?
    /// The frozen criteria (without seeds).
    public var criteria: TaskCriteria

    /// The summary of `task`.
    public init(_ task: any ResearchTask) {
        name = task.name
        aliases = task.aliases
        summary = task.summary
        space = task.space
        baseline = task.baseline
        episodeLimit = task.episodeLimit
        options = task.options
        privilege = task.privilege
        criteria = task.criteria
    }
}
