/// What a simulated run produced.
public struct WorkloadReport: Sendable, Equatable {
    /// Every robot's timeline.
    public var timeline: RobotTimeline
    /// Utilisation over [0, horizon].
    public var utilization: FleetUtilization
    /// Trials that finished within the horizon.
    public var trialsCompleted: Int
}

/// Runs a ``SyntheticWorkload`` in simulated time, with and without the ``TrialScheduler``.
///
/// Without the scheduler each agent owns one robot and works sequentially: think, run the trial, wait for
/// the result, think again; the robot idles while its agent thinks. With the scheduler agents enqueue a
/// trial and start thinking about the next one at once (up to `maxOutstandingPerAgent` trials in flight),
/// and any free robot takes the oldest queued trial. Both runs use the same think-time draws.
public enum WorkloadSimulation {
    /// The sequential baseline.
    public static func runSequential(_ workload: SyntheticWorkload) -> WorkloadReport {
        var timeline = RobotTimeline()
        var completed = 0
        let names = workload.robotNames
        for agent in 0..<workload.agents {
            let robot = names[agent % names.count]
            var draws = ThinkTimes(seed: workload.seed, agent: agent, range: workload.thinkSeconds)
            var now = 0.0
            while now < workload.horizonSeconds {
                let think = draws.next()
                timeline.append(RobotInterval(robot: robot, activity: .idle, startSeconds: now,
                                              endSeconds: now + think))
                now = appendTrial(to: &timeline, robot: robot, start: now + think, workload: workload)
                if now <= workload.horizonSeconds { completed += 1 }
            }
        }
        return report(timeline: timeline, completed: completed, workload: workload)
    }

    /// The same workload through a ``TrialScheduler`` on a simulated clock (discrete-event simulation).
    public static func runScheduled(_ workload: SyntheticWorkload) async throws -> WorkloadReport {
        let clock = SimulatedClock()
        let names = workload.robotNames
        let scheduler = TrialScheduler(robots: names, clock: clock)
        var draws = (0..<workload.agents).map { ThinkTimes(seed: workload.seed, agent: $0, range: workload.thinkSeconds) }
        var outstanding = [Int](repeating: 0, count: workload.agents)
        var blocked = [Bool](repeating: false, count: workload.agents)
        var idleRobots = Set(names)
        var events = EventQueue()
        var completed = 0
        var trialCounter = 0
        for agent in 0..<workload.agents {
            events.push(time: draws[agent].next(), event: .agentReady(agent))
        }

        func startWork(on robot: String, at time: Double) async throws {
            guard let trial = try await scheduler.takeTrial(for: robot) else {
                idleRobots.insert(robot)
                return
            }
            idleRobots.remove(robot)
            var cursor = time
            for _ in 0..<workload.episodesPerTrial {
                try await scheduler.record(robot: robot, activity: .reset, startSeconds: cursor,
                                           endSeconds: cursor + workload.resetSeconds)
                cursor += workload.resetSeconds
                try await scheduler.record(robot: robot, activity: .experiment, startSeconds: cursor,
                                           endSeconds: cursor + workload.episodeSeconds)
                cursor += workload.episodeSeconds
            }
            let agent = Int(trial.agent) ?? 0
            events.push(time: cursor, event: .trialDone(robot: robot, agent: agent))
        }

        while let (time, event) = events.pop(), time < workload.horizonSeconds {
            try await clock.sleep(untilSeconds: time)
            switch event {
            case let .agentReady(agent):
                trialCounter += 1
                try await scheduler.enqueue(ScheduledTrial(id: "trial-\(trialCounter)", agent: String(agent)))
                outstanding[agent] += 1
                for robot in idleRobots.sorted() {
                    try await startWork(on: robot, at: time)
                }
                if outstanding[agent] < workload.maxOutstandingPerAgent {
                    events.push(time: time + draws[agent].next(), event: .agentReady(agent))
                } else {
                    blocked[agent] = true
                }
            case let .trialDone(robot, agent):
                completed += 1
                outstanding[agent] -= 1
                if blocked[agent] {
                    blocked[agent] = false
                    events.push(time: time + draws[agent].next(), event: .agentReady(agent))
                }
                try await startWork(on: robot, at: time)
            }
        }
        let timeline = await scheduler.timeline(closingAt: workload.horizonSeconds)
        return report(timeline: timeline, completed: completed, workload: workload)
    }

    private static func appendTrial(to timeline: inout RobotTimeline, robot: String, start: Double,
                                    workload: SyntheticWorkload) -> Double {
        var cursor = start
        for _ in 0..<workload.episodesPerTrial {
            timeline.append(RobotInterval(robot: robot, activity: .reset, startSeconds: cursor,
                                          endSeconds: cursor + workload.resetSeconds))
            cursor += workload.resetSeconds
            timeline.append(RobotInterval(robot: robot, activity: .experiment, startSeconds: cursor,
                                          endSeconds: cursor + workload.episodeSeconds))
            cursor += workload.episodeSeconds
        }
        return cursor
    }

    private static func report(timeline: RobotTimeline, completed: Int, workload: SyntheticWorkload)
        -> WorkloadReport
    {
        WorkloadReport(timeline: timeline,
                       utilization: timeline.utilization(robots: workload.robotNames, from: 0,
                                                         to: workload.horizonSeconds),
                       trialsCompleted: completed)
    }
}

/// Pending simulation events ordered by time, then by insertion (so equal times stay deterministic).
private struct EventQueue {
    enum Event {
        case agentReady(Int)
        case trialDone(robot: String, agent: Int)
    }

    private var items: [(time: Double, order: Int, event: Event)] = []
    private var counter = 0

    mutating func push(time: Double, event: Event) {
        counter += 1
        let item = (time: time, order: counter, event: event)
        let index = items.firstIndex { $0.time > time } ?? items.count
        items.insert(item, at: index)
    }

    mutating func pop() -> (Double, Event)? {
        guard !items.isEmpty else { return nil }
        let item = items.removeFirst()
        return (item.time, item.event)
    }
}
