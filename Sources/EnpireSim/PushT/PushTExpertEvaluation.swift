import Enpire

/// Headless evaluation of ``PushTHeuristicExpert`` on seeded gym-pusht starts, without a station.
public enum PushTExpertEvaluation {
    /// What an evaluation measured.
    public struct Result: Sendable, Codable, Equatable {
        /// Episodes that reached coverage > 0.95 within the step budget.
        public var successes: Int
        /// Episodes run.
        public var trials: Int
        /// Mean control steps of the successful episodes (0 when none succeeded).
        public var meanStepsToSuccess: Double
        /// Mean final coverage over all episodes.
        public var meanFinalCoverage: Double
        /// Seeds whose episode failed.
        public var failedSeeds: [UInt64]

        /// Fraction of episodes that succeeded.
        public var successRate: Double { trials == 0 ? 0 : Double(successes) / Double(trials) }
    }

    /// The outcome of one episode.
    public struct Episode: Sendable, Equatable {
        /// Seed of the start state.
        public var seed: UInt64
        /// Whether coverage exceeded 0.95.
        public var success: Bool
        /// Control steps taken (up to the success or the budget).
        public var steps: Int
        /// Coverage at the end.
        public var finalCoverage: Double
    }

    /// Runs one episode from gym-pusht's start state for `seed`, stopping at success (gym-pusht terminates) or
    /// after `maxSteps`.
    /// Under a `reality`, the episode's departures from gym-pusht are drawn from it with the seed; the planner
    /// still plans with clean gym-pusht as its model, unless `plannerKnowsReality`: then (**privileged**, an upper
    /// bound) it plans with the episode's true departures and the controller's true hidden state.
    public static func runEpisode(seed: UInt64, parameters: PushTPlannerParameters = PushTPlannerParameters(),
                                  maxSteps: Int = PushTGeometry.maxEpisodeSteps,
                                  reality: PushTReality? = nil, plannerKnowsReality: Bool = false) -> Episode {
        let simulation = PushTSimulation()
        simulation.reality = reality
        simulation.reset(seed: seed)
        var expert = PushTHeuristicExpert(parameters: parameters)
        if plannerKnowsReality { expert.planner.model = simulation.perturbation }
        var coverage = simulation.coverage
        for step in 1...max(1, maxSteps) {
            if plannerKnowsReality { expert.oracleController = simulation.controller }
            let target = expert.nextTarget(state: simulation.state, agentVelocity: simulation.agentVelocity)
            // Planned targets are finite: sums of finite state values and validated parameters.
            try? simulation.step(action: (target.x, target.y))
            coverage = simulation.coverage
            if coverage > PushTGeometry.successThreshold {
                return Episode(seed: seed, success: true, steps: step, finalCoverage: coverage)
            }
        }
        return Episode(seed: seed, success: false, steps: maxSteps, finalCoverage: coverage)
    }

    /// Runs one episode per seed on `workers` threads and summarises them.
    public static func run(seeds: [UInt64], parameters: PushTPlannerParameters = PushTPlannerParameters(),
                           maxSteps: Int = PushTGeometry.maxEpisodeSteps, workers: Int = 2,
                           reality: PushTReality? = nil, plannerKnowsReality: Bool = false) -> Result {
        let all = ParallelEpisodes.run(count: seeds.count, workers: workers) {
            runEpisode(seed: seeds[$0], parameters: parameters, maxSteps: maxSteps, reality: reality,
                       plannerKnowsReality: plannerKnowsReality)
        }.sorted { $0.seed < $1.seed }
        let successful = all.filter(\.success)
        return Result(
            successes: successful.count, trials: all.count,
            meanStepsToSuccess: successful.isEmpty ? 0 : Double(successful.map(\.steps).reduce(0, +)) / Double(successful.count),
            meanFinalCoverage: all.isEmpty ? 0 : all.map(\.finalCoverage).reduce(0, +) / Double(all.count),
            failedSeeds: all.filter { !$0.success }.map(\.seed))
    }
}
