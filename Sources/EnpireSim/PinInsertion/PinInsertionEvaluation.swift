import Enpire
import Foundation

/// Headless evaluation of ``PinInsertionExpert`` on seeded hole poses, without a station.
public enum PinInsertionEvaluation {
    /// What an evaluation measured.
    public struct Result: Sendable, Codable, Equatable {
        /// Episodes judged a success by ``PinInsertionReward`` within the step budget.
        public var successes: Int
        /// Episodes run.
        public var trials: Int
        /// Mean simulated seconds per episode (to success, or the full budget for failures).
        public var meanSeconds: Double
        /// Longest run of consecutive successes in seed order.
        public var longestStreak: Int
        /// Seeds whose episode failed.
        public var failedSeeds: [UInt64]

        /// Fraction of episodes that succeeded.
        public var successRate: Double { trials == 0 ? 0 : Double(successes) / Double(trials) }
    }

    /// Runs one episode: hole at the seed's pose, hand at the start pose, expert until success or `maxSteps`.
    /// Returns whether it succeeded and the control steps taken.
    /// Under a `reality`, the episode's departures are drawn from it with the seed (see ``PinInsertionReality``).
    public static func runEpisode(seed: UInt64, maxSteps: Int = PinInsertionGeometry.maxEpisodeSteps,
                                  parameters: PinInsertionExpert.Parameters = .init(),
                                  reality: TaskReality = PinInsertionReality.clean) -> (success: Bool, steps: Int) {
        let simulation = PinInsertionSimulation()
        let pose = PinInsertionSimulation.holePose(seed: seed)
        simulation.perturbation = PinInsertionReality.perturbation(reality, seed: seed)
        let bias = PinInsertionSimulation.holeEstimateBias(seed: seed) + (simulation.perturbation?.holePositionError ?? 0)
        simulation.setHole(x: pose.x, angle: pose.angle)
        var expert = PinInsertionExpert(parameters: parameters)
        for step in 1...max(1, maxSteps) {
            let state = simulation.state
            let target = expert.nextTarget(hand: state.hand, force: state.force,
                                           holePose: [pose.x + bias, 0, pose.angle])
            // Expert targets are finite sums of finite observations.
            try? simulation.step(target: target)
            if PinInsertionReward.verdict(state: simulation.state, lowForceStreak: simulation.lowForceStreak).success {
                return (true, step)
            }
        }
        return (false, maxSteps)
    }

    /// Runs one episode per seed on `workers` threads and summarises them.
    public static func evaluateExpert(seeds: [UInt64], maxSteps: Int = PinInsertionGeometry.maxEpisodeSteps,
                                      workers: Int = 2, parameters: PinInsertionExpert.Parameters = .init(),
                                      reality: TaskReality = PinInsertionReality.clean) -> Result {
        let outcomes = ParallelEpisodes.run(count: seeds.count, workers: workers) {
            runEpisode(seed: seeds[$0], maxSteps: maxSteps, parameters: parameters, reality: reality)
        }
        return summarise(seeds: seeds, outcomes: outcomes,
                         periodSeconds: 1 / PinInsertionGeometry.controlRateHz)
    }

    /// Summarises per-seed outcomes (one per seed, in the same order).
    static func summarise(seeds: [UInt64], outcomes: [(success: Bool, steps: Int)], periodSeconds: Double)
        -> Result {
        var successes = 0, streak = 0, longest = 0, steps = 0
        var failed: [UInt64] = []
        for (seed, outcome) in zip(seeds, outcomes) {
            steps += outcome.steps
            if outcome.success {
                successes += 1
                streak += 1
                longest = max(longest, streak)
            } else {
                streak = 0
                failed.append(seed)
            }
        }
        return Result(successes: successes, trials: seeds.count,
                      meanSeconds: seeds.isEmpty ? 0 : Double(steps) * periodSeconds / Double(seeds.count),
                      longestStreak: longest, failedSeeds: failed)
    }
}
