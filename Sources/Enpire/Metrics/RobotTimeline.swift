/// What a robot was doing during an interval.
public enum RobotActivity: String, Sendable, Codable, Hashable {
    /// Executing experiment episodes (the time MRU counts).
    case experiment
    /// Resetting the scene between episodes (reported separately).
    case reset
    /// Idle, usually waiting for an agent to decide what to run next.
    case idle
}

/// One interval of one robot's time, in seconds on the fleet's clock.
public struct RobotInterval: Sendable, Codable, Equatable {
    /// Robot (station) name.
    public var robot: String
    /// What the robot did.
    public var activity: RobotActivity
    /// Start time in seconds.
    public var startSeconds: Double
    /// End time in seconds (not before the start).
    public var endSeconds: Double

    /// Creates an interval; an end before the start is clamped to the start.
    public init(robot: String, activity: RobotActivity, startSeconds: Double, endSeconds: Double) {
        self.robot = robot
        self.activity = activity
        self.startSeconds = startSeconds
        self.endSeconds = max(startSeconds, endSeconds)
    }

    /// Duration in seconds.
    public var durationSeconds: Double { endSeconds - startSeconds }
}

/// How one robot's time was spent over a window.
public struct RobotUtilization: Sendable, Codable, Equatable {
    /// Robot name.
    public var robot: String
    /// Window length in seconds.
    public var windowSeconds: Double
    /// Seconds executing experiments.
    public var experimentSeconds: Double
    /// Seconds resetting.
    public var resetSeconds: Double
    /// Seconds idle, including any part of the window no interval covers.
    public var idleSeconds: Double

    /// Machine (robot) utilisation rate: share of the window spent executing experiments.
    public var mru: Double { windowSeconds > 0 ? experimentSeconds / windowSeconds : 0 }
    /// Share of the window spent resetting.
    public var resetShare: Double { windowSeconds > 0 ? resetSeconds / windowSeconds : 0 }
    /// Share of the window spent idle.
    public var idleShare: Double { windowSeconds > 0 ? idleSeconds / windowSeconds : 0 }
}

/// Utilisation of a whole fleet over a window.
public struct FleetUtilization: Sendable, Codable, Equatable {
    /// Per-robot figures, sorted by robot name.
    public var robots: [RobotUtilization]

    /// Fleet MRU: experiment time of all robots over the sum of their windows.
    public var mru: Double { share(\.experimentSeconds) }
    /// Fleet share of time spent resetting.
    public var resetShare: Double { share(\.resetSeconds) }
    /// Fleet share of time spent idle.
    public var idleShare: Double { share(\.idleSeconds) }

    private func share(_ part: KeyPath<RobotUtilization, Double>) -> Double {
        let total = robots.reduce(0) { $0 + $1.windowSeconds }
        return total > 0 ? robots.reduce(0) { $0 + $1[keyPath: part] } / total : 0
    }
}

/// A record of what every robot did when, from which MRU and the reset and idle shares are computed.
public struct RobotTimeline: Sendable, Codable, Equatable {
    /// Intervals in the order they were recorded.
    public private(set) var intervals: [RobotInterval]

    /// Creates a timeline.
    public init(intervals: [RobotInterval] = []) {
        self.intervals = intervals
    }

    /// Adds an interval.
    public mutating func append(_ interval: RobotInterval) {
        intervals.append(interval)
    }

    /// Robot names present, sorted.
    public var robots: [String] { Set(intervals.map(\.robot)).sorted() }

    /// Utilisation of every robot over [`start`, `end`] (by default the span of all intervals).
    ///
    /// Time a robot spends in no interval counts as idle; overlapping intervals of one robot are counted
    /// once, the earlier-starting one winning, so a double report cannot push MRU above 1.
    public func utilization(robots names: [String]? = nil, from start: Double? = nil, to end: Double? = nil)
        -> FleetUtilization
    {
        let windowStart = start ?? intervals.map(\.startSeconds).min() ?? 0
        let windowEnd = max(windowStart, end ?? intervals.map(\.endSeconds).max() ?? windowStart)
        let window = windowEnd - windowStart
        var result: [RobotUtilization] = []
        for robot in (names ?? robots).sorted() {
            var totals: [RobotActivity: Double] = [:]
            var covered = windowStart
            let own = intervals.filter { $0.robot == robot }.sorted { $0.startSeconds < $1.startSeconds }
            for interval in own {
                let from = max(interval.startSeconds, covered)
                let to = min(interval.endSeconds, windowEnd)
                guard to > from else { continue }
                totals[interval.activity, default: 0] += to - from
                covered = to
            }
            let experiment = totals[.experiment] ?? 0
            let reset = totals[.reset] ?? 0
            result.append(RobotUtilization(robot: robot, windowSeconds: window, experimentSeconds: experiment,
                                           resetSeconds: reset, idleSeconds: max(0, window - experiment - reset)))
        }
        return FleetUtilization(robots: result)
    }
}
