public import Enpire

/// How a learner's vectors meet a station: the actor's observation built from a station `Observation`, and the
/// arm commands an action in `[-1, 1]^actionWidth` stands for.
///
/// A map serves one episode at a time and may keep per-episode state (a part located in the first frames, the
/// base policy's last output for a residual); ``StationEnvironment`` calls ``beginEpisode()`` before each
/// episode and then, on every control step, ``observation(from:)`` followed by ``act(_:on:)`` on the same
/// observation. The commands it returns are requests: the station's safety envelope decides what the arms get.
public protocol StationActionMap {
    /// Values per actor observation.
    var observationWidth: Int { get }
    /// Values per action.
    var actionWidth: Int { get }
    /// Forgets per-episode state (a new episode starts).
    mutating func beginEpisode()
    /// The actor's observation for a station observation; throwing ends the episode as a fault.
    mutating func observation(from observation: Observation) throws -> [Float]
    /// The commands (one per arm) for `action` on `observation`, and the action the transition records: normally
    /// `action` itself; a map that lets another controller act (a scripted demonstrator) returns the action that
    /// controller's command stands for.
    mutating func act(_ action: [Float], on observation: Observation) throws -> StationAction
}

/// What a ``StationActionMap`` sends for one step.
public struct StationAction: Sendable, Equatable {
    /// One command per arm, as requested (before the safety envelope).
    public var commands: [ArmCommand]
    /// The action in `[-1, 1]^actionWidth` the step's transition records.
    public var action: [Float]

    /// Creates a step's action.
    public init(commands: [ArmCommand], action: [Float]) {
        self.commands = commands
        self.action = action
    }
}
