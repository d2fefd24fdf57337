public import EnpireResearch

/// The tasks Enpire ships: Push-T, pin insertion and zip-tie.
public enum BuiltInTasks {
    /// One of each, with default options.
    public static var all: [any ResearchTask] { [PushTResearchTask(), PinResearchTask(), ZipTieResearchTask()] }

    /// Registers the built-in tasks in `registry` (those not registered already).
    public static func register(in registry: TaskRegistry = .shared) {
        for task in all { registry.registerIfAbsent(task) }
    }
}
