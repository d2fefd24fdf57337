/// What a learned policy reads.
public enum ObservationMode: String, Sendable, Codable, CaseIterable {
    /// What a real station has: estimates from the station's own camera frames, plus the arm's proprioception
    /// (and force where the arm has it).
    case camera
    /// Exact simulator state. Privileged: a real station does not have it; results are labelled so.
    case state

    /// Whether results under this mode are privileged.
    public var isPrivileged: Bool { self == .state }
}
