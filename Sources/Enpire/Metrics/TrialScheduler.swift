/// Queues trials so that a robot starts the next one as soon as it is free, while agents think.
///
/// Agents ``enqueue(_:)``; robots take work with ``nextTrial(for:)`` (waits) or ``takeTrial(for:)`` (does
/// not) and report what they did with ``record(robot:activity:startSeconds:endSeconds:)``. Whenever a robot
/// had nothing to do between finishing one piece of work and taking the next, the scheduler records that
/// gap as idle, so ``timeline(closingAt:)`` is exactly what MRU is computed from.
public actor TrialScheduler {
    /// Robots the scheduler serves.
    public nonisolated let robots: [String]
    private let clock: any StationClock
    private var queue: [ScheduledTrial] = []
    private var freeSince: [String: Double]
    private var waiting: [(robot: String, continuation: CheckedContinuation<ScheduledTrial?, Never>)] = []
    private var recorded = RobotTimeline()
    private var isShutDown = false

    /// Creates a scheduler for `robots`, all free from the clock's current time.
    public init(robots: [String], clock: any StationClock) {
        self.robots = robots
        self.clock = clock
        let now = clock.now()
        freeSince = Dictionary(uniqueKeysWithValues: Set(robots).map { ($0, now) })
    }

    /// Trials waiting for a robot.
    public var queuedCount: Int { queue.count }

    /// Adds a trial to the queue, handing it at once to a waiting robot that may run it.
    public func enqueue(_ trial: ScheduledTrial) throws {
        if let robot = trial.robot, freeSince[robot] == nil {
            throw SchedulerError.unknownRobot(robot, known: robots)
        }
        if isShutDown { throw SchedulerError.shutDown }
        var stamped = trial
        stamped.enqueuedAtSeconds = clock.now()
        if let index = waiting.firstIndex(where: { stamped.robot == nil || stamped.robot == $0.robot }) {
            let waiter = waiting.remove(at: index)
            markStarted(robot: waiter.robot)
            waiter.continuation.resume(returning: stamped)
        } else {
            queue.append(stamped)
        }
    }

    /// Takes the oldest trial `robot` may run, or `nil` when none is queued.
    public func takeTrial(for robot: String) throws -> ScheduledTrial? {
        guard freeSince[robot] != nil else { throw SchedulerError.unknownRobot(robot, known: robots) }
        guard let index = queue.firstIndex(where: { $0.robot == nil || $0.robot == robot }) else { return nil }
        markStarted(robot: robot)
        return queue.remove(at: index)
    }

    /// Waits for the next trial `robot` may run; returns `nil` once the scheduler is shut down.
    public func nextTrial(for robot: String) async throws -> ScheduledTrial? {
        if let trial = try takeTrial(for: robot) { return trial }
        if isShutDown { return nil }
        return await withCheckedContinuation { continuation in
            waiting.append((robot, continuation))
        }
    }

    /// Records what a robot did (reset or experiment) so the timeline and idle gaps stay exact.
    public func record(robot: String, activity: RobotActivity, startSeconds: Double, endSeconds: Double) throws {
        guard let free = freeSince[robot] else { throw SchedulerError.unknownRobot(robot, known: robots) }
        let interval = RobotInterval(robot: robot, activity: activity, startSeconds: startSeconds,
                                     endSeconds: endSeconds)
        recorded.append(interval)
        freeSince[robot] = max(free, interval.endSeconds)
    }

    /// Wakes every waiting robot with `nil` and refuses further trials.
    public func shutDown() {
        isShutDown = true
        let waiters = waiting
        waiting.removeAll()
        for waiter in waiters { waiter.continuation.resume(returning: nil) }
    }

    /// The recorded timeline, with each robot's trailing idle time up to `end` (default: now) added.
    public func timeline(closingAt end: Double? = nil) -> RobotTimeline {
        let closing = end ?? clock.now()
        var result = recorded
        for robot in robots.sorted() {
            if let free = freeSince[robot], free < closing {
                result.append(RobotInterval(robot: robot, activity: .idle, startSeconds: free, endSeconds: closing))
            }
        }
        return result
    }

    private func markStarted(robot: String) {
        let now = clock.now()
        if let free = freeSince[robot], free < now {
            recorded.append(RobotInterval(robot: robot, activity: .idle, startSeconds: free, endSeconds: now))
        }
        freeSince[robot] = max(freeSince[robot] ?? now, now)
    }
}
