import Enpire
import Foundation

/// Measures ``PushTRobotReset`` from many end states: the states random, scripted and jamming episodes leave.
public enum PushTResetStudy {
    /// How an end state was produced.
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// Random pusher targets for a random number of steps.
        case random
        /// The expert's episode, cut at a random step.
        case expert
        /// The block pushed into a wall or corner.
        case jammed
    }

    /// One reset.
    public struct Case: Sendable, Codable {
        /// Case index.
        public var index: Int
        /// How the end state was made.
        public var kind: Kind
        /// Whether the reset verified.
        public var verified: Bool
        /// Robot seconds the reset took.
        public var seconds: Double
        /// Attempts (strategies) used.
        public var attempts: Int
        /// Why it failed or escalated.
        public var reason: String?
    }

    /// The study's figures.
    public struct Summary: Sendable, Codable {
        /// Cases run.
        public var cases: Int
        /// Verified resets.
        public var verified: Int
        /// Median robot seconds of verified resets.
        public var medianSeconds: Double
        /// 95th percentile robot seconds of verified resets.
        public var p95Seconds: Double
        /// Every unverified case.
        public var failures: [Case]
        /// Verified count per kind of end state.
        public var verifiedByKind: [String: Int]
        /// Cases per kind of end state.
        public var casesByKind: [String: Int]
    }

    /// Produces end state `index` (deterministic).
    public static func endState(index: Int) -> (kind: Kind, state: PushTState) {
        let kind = Kind.allCases[index % Kind.allCases.count]
        let simulation = PushTSimulation()
        simulation.reset(seed: UInt64(5_000_000 + index))
        var rng = SplitMix64(seed: UInt64(index) &* 7919 &+ 17)
        switch kind {
        case .random:
            for _ in 0..<(20 + Int(rng.next() % 280)) {
                try? simulation.step(action: (rng.nextUnitDouble() * 512, rng.nextUnitDouble() * 512))
            }
        case .expert:
            var expert = PushTHeuristicExpert()
            for _ in 0..<(10 + Int(rng.next() % 150)) {
                let target = expert.nextTarget(state: simulation.state, agentVelocity: simulation.agentVelocity)
                try? simulation.step(action: (target.x, target.y))
            }
        case .jammed:
            // Push the T toward a random corner or wall with the planner, then leave it there.
            let corners: [(Double, Double)] = [(70, 70), (442, 70), (70, 442), (442, 442), (256, 60), (60, 256)]
            let corner = corners[Int(rng.next() % UInt64(corners.count))]
            let planner = PushTPushPlanner(goal: (corner.0, corner.1, rng.nextUnitDouble() * 2 * Double.pi),
                                           parameters: PushTPlannerParameters(contactsPerEdge: 2, pushDistanceCount: 3))
            var steps = 0
            while steps < 150 {
                let plan = planner.plan(state: simulation.state, agentVelocity: simulation.agentVelocity)
                for target in plan.targets where steps < 150 {
                    try? simulation.step(action: (target.x, target.y))
                    steps += 1
                }
            }
        }
        return (kind, simulation.state)
    }

    /// Runs cases `0..<count` on `workers` threads; `progress` sees each finished case.
    public static func run(cases count: Int, workers: Int = 2, settings: PushTRobotReset.Settings = .init(),
                           progress: @escaping @Sendable (Case) -> Void = { _ in }) async throws -> Summary {
        let results = try await withThrowingTaskGroup(of: [Case].self) { group in
            for worker in 0..<max(1, workers) {
                group.addTask {
                    var mine: [Case] = []
                    for index in stride(from: worker, to: count, by: max(1, workers)) {
                        let (kind, end) = endState(index: index)
                        let world = PushTWorld()
                        await world.place(end)
                        let clock = SimulatedClock()
                        let reset = PushTRobotReset(world: world, settings: settings)
                        let context = try ResetContext(arms: [PushTPusherArm(world: world, clock: clock)], cameras: [],
                                                       seed: UInt64(6_000_000 + index), clock: clock)
                        let outcome = try await reset.reset(context)
                        let item = Case(index: index, kind: kind, verified: outcome.verified,
                                        seconds: outcome.elapsedSeconds, attempts: outcome.attempts, reason: outcome.reason)
                        progress(item)
                        mine.append(item)
                    }
                    return mine
                }
            }
            var all: [Case] = []
            for try await part in group { all += part }
            return all.sorted { $0.index < $1.index }
        }
        let times = results.filter(\.verified).map(\.seconds).sorted()
        func percentile(_ p: Double) -> Double {
            times.isEmpty ? .nan : times[min(times.count - 1, Int((p * Double(times.count - 1)).rounded()))]
        }
        var verifiedByKind: [String: Int] = [:], casesByKind: [String: Int] = [:]
        for item in results {
            casesByKind[item.kind.rawValue, default: 0] += 1
            if item.verified { verifiedByKind[item.kind.rawValue, default: 0] += 1 }
        }
        return Summary(cases: results.count, verified: results.filter(\.verified).count, medianSeconds: percentile(0.5),
                       p95Seconds: percentile(0.95), failures: results.filter { !$0.verified },
                       verifiedByKind: verifiedByKind, casesByKind: casesByKind)
    }
}
