/// Maps observations to one command per arm.
///
/// Policies may keep state between steps (an action-chunk queue, a filter); ``reset()`` clears it at the
/// start of each episode.
public protocol Policy: Sendable {
    /// Short description recorded with each episode (for example `"bc-mlp@3f2a"`).
    var name: String { get }
    /// Clears per-episode state.
    mutating func reset()
    /// Chooses one command per arm, in the station's arm order.
    mutating func action(for observation: Observation) async throws -> [ArmCommand]
}

extension Policy {
    /// Default: stateless.
    public mutating func reset() {}
}
