/// Who issued a command: recorded with every step so that learning can weigh or relabel it.
public enum ActionSource: String, Sendable, Codable, Hashable, CaseIterable {
    /// A learned or scripted policy under evaluation or training.
    case policy
    /// A person teleoperating or intervening.
    case human
    /// A reset routine putting the scene back.
    case reset
    /// A fixed script (homing, keypose sequences, demonstrations by a heuristic expert).
    case script
    /// The safety layer itself (watchdog hold, e-stop).
    case safety
}
