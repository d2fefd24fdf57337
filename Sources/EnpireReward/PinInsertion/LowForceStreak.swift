/// Counts consecutive control steps whose force estimate stayed within a bound: the "released, not pushing"
/// rule of the pin-insertion success check, fed from the arm's force readings.
public struct LowForceStreak: Sendable, Equatable, Codable {
    /// Largest force magnitude that counts as low, in newtons.
    public var bound: Double
    /// Consecutive low readings so far.
    public private(set) var count = 0

    /// Creates a counter at zero.
    public init(bound: Double) {
        self.bound = bound
    }

    /// Adds one control step's force reading; a missing or non-finite reading breaks the streak.
    public mutating func record(_ force: [Double]?) {
        guard let force, !force.isEmpty, force.allSatisfy(\.isFinite) else {
            count = 0
            return
        }
        var squared = 0.0
        for value in force { squared += value * value }
        count = squared.squareRoot() <= bound ? count + 1 : 0
    }

    /// Starts a new episode.
    public mutating func reset() {
        count = 0
    }

    /// The streak after `readings` in order, from zero.
    public static func of(_ readings: [[Double]], bound: Double) -> Int {
        var streak = LowForceStreak(bound: bound)
        for reading in readings { streak.record(reading) }
        return streak.count
    }
}
