import Enpire
import Testing

@Suite("Metrics and trial scheduling")
struct MetricsTests {
    @Test("MRU, reset and idle shares on a known timeline")
    func mruKnownTimeline() throws {
        var timeline = RobotTimeline()
        // robot a over [0, 100]: 10 idle, 10 reset, 60 experiment, 20 not covered (idle).
        timeline.append(RobotInterval(robot: "a", activity: .idle, startSeconds: 0, endSeconds: 10))
        timeline.append(RobotInterval(robot: "a", activity: .reset, startSeconds: 10, endSeconds: 20))
        timeline.append(RobotInterval(robot: "a", activity: .experiment, startSeconds: 20, endSeconds: 80))
        // robot b: 100 s of experiment, with an overlapping duplicate report that must not count twice.
        timeline.append(RobotInterval(robot: "b", activity: .experiment, startSeconds: 0, endSeconds: 100))
        timeline.append(RobotInterval(robot: "b", activity: .experiment, startSeconds: 50, endSeconds: 100))
        let fleet = timeline.utilization(from: 0, to: 100)
        let a = try #require(fleet.robots.first { $0.robot == "a" })
        let b = try #require(fleet.robots.first { $0.robot == "b" })
        #expect(a.mru == 0.6)
        #expect(a.resetShare == 0.1)
        #expect(abs(a.idleShare - 0.3) < 1e-12)
        #expect(b.mru == 1.0)
        #expect(fleet.mru == 0.8)
        #expect(fleet.resetShare == 0.05)
        // A robot with no intervals at all is idle for the whole window.
        let withSpare = timeline.utilization(robots: ["a", "b", "spare"], from: 0, to: 100)
        #expect(abs(withSpare.mru - 1.6 / 3) < 1e-12)
    }

    @Test("MTU is tokens per minute across agents")
    func mtu() {
        let reports = [
            TokenReport(agent: "x", timeSeconds: 10, tokens: 3_000),
            TokenReport(agent: "y", timeSeconds: 70, tokens: 6_000),
            TokenReport(agent: "x", timeSeconds: 200, tokens: 99_999),
        ]
        #expect(TokenReport.tokensPerMinute(reports, from: 0, to: 120) == 4_500)
        #expect(TokenReport.tokensPerMinuteByAgent(reports, from: 0, to: 120)["y"] == 3_000)
        #expect(TokenReport.tokensPerMinute(reports, from: 5, to: 5) == 0)
    }

    @Test("a waiting robot starts a queued trial at once and the gap is recorded as idle")
    func schedulerHandsWorkToWaitingRobot() async throws {
        let clock = SimulatedClock()
        let scheduler = TrialScheduler(robots: ["r0", "r1"], clock: clock)
        let robot = Task { () -> [String] in
            var ran: [String] = []
            while let trial = try await scheduler.nextTrial(for: "r0") {
                ran.append(trial.id)
                let start = clock.now()
                try await clock.sleep(untilSeconds: start + 30)
                try await scheduler.record(robot: "r0", activity: .experiment, startSeconds: start,
                                           endSeconds: start + 30)
            }
            return ran
        }
        clock.advance(bySeconds: 5)
        try await scheduler.enqueue(ScheduledTrial(id: "t1", agent: "agent", robot: "r0"))
        try await scheduler.enqueue(ScheduledTrial(id: "t2", agent: "agent", robot: "r0"))
        await #expect(throws: SchedulerError.unknownRobot("r9", known: ["r0", "r1"])) {
            try await scheduler.enqueue(ScheduledTrial(id: "t3", agent: "agent", robot: "r9"))
        }
        while await scheduler.queuedCount > 0 { await Task.yield() }
        try await Task.sleep(for: .milliseconds(20))
        await scheduler.shutDown()
        #expect(try await robot.value == ["t1", "t2"])
        let timeline = await scheduler.timeline(closingAt: 100)
        let r0 = try #require(timeline.utilization(robots: ["r0"], from: 0, to: 100).robots.first)
        // t1 and t2 ran back to back: 60 s of experiment, idle 5 s before and 35 s after.
        #expect(r0.experimentSeconds == 60)
        #expect(r0.idleSeconds == 40)
    }

    @Test("the scheduler keeps robots busier than the sequential think-then-run loop")
    func schedulerRaisesMRU() async throws {
        let workload = SyntheticWorkload(robots: 4, agents: 4, horizonSeconds: 2 * 3_600)
        let sequential = WorkloadSimulation.runSequential(workload)
        let scheduled = try await WorkloadSimulation.runScheduled(workload)
        // Sequential: robots idle while agents think (mean 150 s per 280 s trial): MRU near 200/430.
        #expect(abs(sequential.utilization.mru - 200.0 / 430.0) < 0.05)
        // Scheduled: agents think faster than robots run, so robots only stop to reset: MRU near 200/280.
        #expect(scheduled.utilization.mru > 0.68)
        #expect(scheduled.utilization.mru <= 200.0 / 280.0 + 1e-9)
        #expect(scheduled.trialsCompleted > sequential.trialsCompleted)
        #expect(abs(scheduled.utilization.resetShare - scheduled.utilization.mru * 8 / 20) < 0.02)
    }
}
