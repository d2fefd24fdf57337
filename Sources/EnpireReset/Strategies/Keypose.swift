/// A taught pose for every arm of a station, visited by a ``KeyposeSequenceReset``.
public struct Keypose: Sendable, Codable, Equatable {
    /// Name for logs (for example `"grasp-block"`).
    public var name: String
    /// Target per arm, in station order, in each arm's command space.
    public var targets: [[Double]]
    /// Gripper opening per arm to command at this pose (`nil` leaves the gripper as it is).
    public var grippers: [Double?]

    /// Creates a keypose; `grippers` defaults to leaving every gripper alone.
    public init(name: String, targets: [[Double]], grippers: [Double?]? = nil) {
        self.name = name
        self.targets = targets
        self.grippers = grippers ?? Array(repeating: nil, count: targets.count)
    }
}
