import Enpire
import EnpireReset
import Foundation

/// Measures ``PushTRobotReset`` on episode end states: random-action episodes of random lengths, partial expert
/// episodes, and T blocks deliberately jammed against walls and into corners; each reset runs through a
/// ``Station`` so that a failure shows up as a paused station.
public enum PushTResetStudy {
    /// How a case's end state was produced.
    public enum Scenario: String, Sendable, Codable, CaseIterable {
        /// Uniformly random pusher targets from a seeded start, 10...300 steps.
        case random
        /// The heuristic expert from a seeded start, stopped after 20...200 steps.
        case expert
        /// The T shoved by the pusher against a wall or into a corner.
        case jammed
    }

    /// One measured reset.
    public struct Case: Sendable, Codable, Equatable {
        /// Case index.
        public var index: Int
        /// How the end state was produced.
        public var scenario: Scenario
        /// Control steps of the episode (or shove) before the reset.
        public var episodeSteps: Int
        /// Seed of the requested start state.
        public var resetSeed: UInt64
        /// Whether the reset verified.
        public var verified: Bool
        /// Attempts made.
        public var attempts: Int
        /// Robot seconds the reset took.
        public var seconds: Double
        /// Strategy of the final attempt.
        public var strategy: String
        /// Reason reported (retries or failure).
        public var reason: String?
        /// Whether the station had paused itself after this reset.
        public var stationPaused: Bool
        /// How far the agent target was moved out of the T (0 unless gym-pusht drew them overlapping).
        public var agentAdjustmentPixels: Double
    }

    /// Everything measured.
    public struct Report: Sendable, Codable, Equatable {
        /// Every case.
        public var cases: [Case]
        /// Cases verified.
        public var verified: Int { cases.filter(\.verified).count }
        /// Fraction verified.
        public var verifiedRate: Double { cases.isEmpty ? 0 : Double(verified) / Double(cases.count) }
        /// The `q`-quantile (nearest rank) of reset robot seconds over all cases.
        public func secondsQuantile(_ q: Double) -> Double {
            var stats = ResetStatistics()
            stats.durationsSeconds = cases.map(\.seconds)
            return stats.durationQuantile(q) ?? 0
        }
        /// Whether every unverified reset carried a reason and left its station paused.
        public var everyFailureExplained: Bool {
            cases.allSatisfy { $0.verified || ($0.reason?.isEmpty == false && $0.stationPaused) }
        }
    }

    /// Runs `cases` cases (scenarios 40 % random, 30 % expert, 30 % jammed) from `firstSeed`, `workers` at a time.
    public static func run(cases: Int, firstSeed: UInt64 = 0, workers: Int = 2,
                           tolerance: PushTResetTolerance = PushTResetTolerance(),
                           timeBudgetSeconds: Double = 180) async throws -> Report {
        let workerCount = max(1, workers)
        let results = try await withThrowingTaskGroup(of: [Case].self) { group in
            for worker in 0..<workerCount {
                group.addTask {
                    var mine: [Case] = []
                    for index in stride(from: worker, to: cases, by: workerCount) {
                        mine.append(try await runCase(index: index, firstSeed: firstSeed, tolerance: tolerance,
                                                      timeBudgetSeconds: timeBudgetSeconds))
                    }
                    return mine
                }
            }
            var all: [Case] = []
            for try await part in group { all += part }
            return all
        }
        return Report(cases: results.sorted { $0.index < $1.index })
    }

    /// Prepares one case's end state and resets it through a station.
    public static func runCase(index: Int, firstSeed: UInt64, tolerance: PushTResetTolerance = PushTResetTolerance(),
                               timeBudgetSeconds: Double = 180) async throws -> Case {
        let scenario: Scenario = switch index % 10 {
        case 0..<4: .random
        case 4..<7: .expert
        default: .jammed
        }
        var rng = SplitMix64(seed: firstSeed &+ UInt64(index) &* 0x9E37_79B9)
        let world = PushTWorld()
        let steps = try await prepare(scenario, world: world, seed: firstSeed &+ UInt64(index), rng: &rng)
        let clock = SimulatedClock()
        let arm = PushTPusherArm(world: world, clock: clock)
        let reset = try PushTRobotReset(world: world, tolerance: tolerance, timeBudgetSeconds: timeBudgetSeconds)
        let station = try Station(configuration: .init(name: "reset-study-\(index)", task: "pusht"), arms: [arm],
                                  reset: reset, featureSources: [world], clock: clock)
        let resetSeed = 2_000_000 &+ firstSeed &+ UInt64(index)
        do {
            _ = try await station.runEpisode(policy: HoldStill(), seed: resetSeed, maxSteps: 1)
        } catch StationError.resetFailed {
            // Reported below from the routine's statistics and the station's health.
        }
        let health = await station.currentHealth
        let stats = reset.statistics
        let verified = stats.verified == 1
        return Case(index: index, scenario: scenario, episodeSteps: steps, resetSeed: resetSeed, verified: verified,
                    attempts: stats.attempts, seconds: stats.totalSeconds,
                    strategy: verified ? (stats.verifiedByStrategy.keys.first ?? "") : "none",
                    reason: verified ? nil : stats.lastFailureReason ?? health.pauseReason,
                    stationPaused: health.paused,
                    agentAdjustmentPixels: PushTRobotReset.targetState(seed: resetSeed).agentAdjustmentPixels)
    }

    /// Drives the world into an end state for `scenario`; returns the control steps taken.
    static func prepare(_ scenario: Scenario, world: PushTWorld, seed: UInt64,
                        rng: inout SplitMix64) async throws -> Int {
        let size = PushTGeometry.worldSize
        switch scenario {
        case .random:
            await world.reset(seed: seed)
            let steps = 10 + rng.nextIndex(below: 291)
            for _ in 0..<steps {
                try await world.step(target: (rng.nextUnitDouble() * size, rng.nextUnitDouble() * size))
            }
            return steps
        case .expert:
            await world.reset(seed: seed)
            var expert = PushTHeuristicExpert()
            let steps = 20 + rng.nextIndex(below: 181)
            for _ in 0..<steps {
                let target = expert.nextTarget(state: await world.state, agentVelocity: await world.agentVelocity)
                try await world.step(target: (target.x, target.y))
            }
            return steps
        case .jammed:
            // Eight places: four walls, four corners; the T's CoG starts 70 px from the wall(s) and the pusher
            // shoves it outward for 30 steps from 100 px further in.
            let place = rng.nextIndex(below: 8)
            let along = 100 + rng.nextUnitDouble() * (size - 200)
            let near = 70.0, far = size - 70
            let cog: SIMD2<Double> = switch place {
            case 0: SIMD2(near, along)
            case 1: SIMD2(far, along)
            case 2: SIMD2(along, near)
            case 3: SIMD2(along, far)
            case 4: SIMD2(near, near)
            case 5: SIMD2(far, near)
            case 6: SIMD2(near, far)
            default: SIMD2(far, far)
            }
            let center = SIMD2(size / 2, size / 2)
            var outward = cog - center
            outward /= (outward * outward).sum().squareRoot()
            let angle = (rng.nextUnitDouble() * 2 - 1) * Double.pi
            let offset = PushTGeometry.blockCenterOfGravity
            let origin = cog - SIMD2(cos(angle) * offset.x - sin(angle) * offset.y,
                                     sin(angle) * offset.x + cos(angle) * offset.y)
            let agent = cog - outward * 100
            await world.place(PushTState(agentX: agent.x, agentY: agent.y, blockX: origin.x, blockY: origin.y,
                                         blockAngle: angle))
            let low = PushTGeometry.agentRadius, high = size - PushTGeometry.agentRadius
            for k in 1...30 {
                let target = agent + outward * (10 * Double(k))
                try await world.step(target: (min(max(target.x, low), high), min(max(target.y, low), high)))
            }
            return 30
        }
    }
}

/// Holds the pusher still for the one step the study's station runs after each reset.
private struct HoldStill: Policy {
    var name: String { "hold" }
    mutating func action(for observation: Observation) async throws -> [ArmCommand] { [.hold] }
}
