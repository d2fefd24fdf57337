/// Counts consecutive live frames whose verdict confirmed a success: the rule that lets a camera reward end an
/// episode only after `required` frames in a row agree, so one outlier frame among the hundreds a station judges
/// cannot end an episode short of the goal.
public struct ConfirmationStreak: Sendable, Equatable, Codable {
    /// Consecutive confirming frames needed for a success.
    public let required: Int
    /// Consecutive confirming frames so far, the latest included.
    public private(set) var count = 0

    /// Creates a counter at zero needing `required` frames (at least one).
    public init(required: Int) {
        self.required = max(1, required)
    }

    /// Adds one frame: a confirming frame extends the streak, any other frame (including one that could not be
    /// judged) breaks it. Returns whether the streak now holds enough frames.
    @discardableResult
    public mutating func record(_ confirmed: Bool) -> Bool {
        count = confirmed ? count + 1 : 0
        return isConfirmed
    }

    /// Whether the streak holds ``required`` frames or more.
    public var isConfirmed: Bool { count >= required }

    /// Starts a new episode.
    public mutating func reset() {
        count = 0
    }
}
