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

/// The agent workspace under its earlier name (a Push-T workspace is a research workspace whose task is `pusht`).
public typealias PushTWorkspace = ResearchWorkspace

extension ResearchWorkspace {
    /// Initialises a Push-T workspace (the default task of `enpire init`), registering the built-in tasks in the
    /// workspace's registry first. See `ResearchWorkspace.initialise(task:station:fleet:episodesPerTrial:heldOut:evaluationLimit:)`.
    public func initialise(station: String, fleet: String?, episodesPerTrial: Int, heldOut: Int,
                           evaluationLimit: Int = 10) async throws -> StationFile {
        BuiltInTasks.register(in: registry)
        return try await initialise(task: PushTResearchTask(), station: station, fleet: fleet,
                                    episodesPerTrial: episodesPerTrial, heldOut: heldOut,
                                    evaluationLimit: evaluationLimit)
    }
}
