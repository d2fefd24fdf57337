import Enpire

/// Runs soft actor-critic online on a ``ContinuousEnvironment``: random warm-up steps, then act, store and
/// update `updatesPerStep` times per step, evaluating deterministically every `evaluateEvery` steps.
///
/// This synchronous loop suits simulators (acting and learning alternate); on a real station use
/// ``PolicyMailbox`` + ``SnapshotActor`` so acting keeps the control rate while a learner task updates.
public struct OnlineSACLoop<Environment: ContinuousEnvironment> {
    /// Environment for training interaction.
    public var environment: Environment
    /// Separate copy for evaluation episodes (so evaluation never disturbs the training episode).
    public var evaluationEnvironment: Environment
    /// Steps per episode (time limit; treated as truncation).
    public var episodeLength: Int
    /// Uniform random steps before learning starts.
    public var warmupSteps = 500
    /// Evaluate every this many environment steps.
    public var evaluateEvery = 1000
    /// Evaluation episodes per point (seeds `evaluationSeedBase + i`, disjoint from training seeds).
    public var evaluationEpisodes = 10
    /// First evaluation seed.
    public var evaluationSeedBase: UInt64 = 1_000_000

    /// Creates a loop.
    public init(environment: Environment, evaluationEnvironment: Environment, episodeLength: Int) {
        self.environment = environment
        self.evaluationEnvironment = evaluationEnvironment
        self.episodeLength = episodeLength
    }

    /// Runs `steps` environment steps with `learner`, optionally mixing `demonstrations` into each batch.
    public mutating func run(learner: SoftActorCritic, steps: Int, replay: inout ReplayBuffer,
                             demonstrations: ReplayBuffer? = nil, label: String = "sac") throws -> LearningCurve {
        var curve = LearningCurve(label: label)
        var rng = SplitMix64(seed: learner.configuration.seed ^ 0x5eed)
        var episodeSeed: UInt64 = 0
        var observation = environment.reset(seed: episodeSeed)
        var stepInEpisode = 0
        for step in 1...max(steps, 1) {
            let action = step <= warmupSteps && demonstrations == nil
                ? (0..<environment.actionWidth).map { _ in Float(rng.nextUnitDouble() * 2 - 1) }
                : try learner.act(observation)
            let result = environment.step(action)
            stepInEpisode += 1
            try replay.append(Transition(observation: observation, action: action, reward: result.reward,
                                         nextObservation: result.observation, terminal: result.terminated))
            observation = result.observation
            if result.terminated || result.truncated || stepInEpisode >= episodeLength {
                episodeSeed += 1
                observation = environment.reset(seed: episodeSeed)
                stepInEpisode = 0
            }
            if step > warmupSteps || demonstrations != nil {
                try learner.update(online: replay, demonstrations: demonstrations)
            }
            if step % evaluateEvery == 0 || step == steps {
                let (successes, meanReturn) = try evaluate(learner: learner)
                try curve.points.append(.init(robotTimeSeconds: Double(step) * environment.controlPeriodSeconds,
                                              successes: successes, trials: evaluationEpisodes,
                                              meanReturn: meanReturn))
            }
        }
        return curve
    }

    /// Deterministic evaluation: successes (success flag on the final step) and mean return.
    public mutating func evaluate(learner: SoftActorCritic) throws -> (successes: Int, meanReturn: Double) {
        var successes = 0
        var total: Double = 0
        for index in 0..<evaluationEpisodes {
            var observation = evaluationEnvironment.reset(seed: evaluationSeedBase + UInt64(index))
            var succeeded = false
            for _ in 0..<episodeLength {
                let result = evaluationEnvironment.step(try learner.act(observation, deterministic: true))
                total += Double(result.reward)
                observation = result.observation
                succeeded = result.success
                if result.terminated || result.truncated { break }
            }
            if succeeded { successes += 1 }
        }
        return (successes, total / Double(max(evaluationEpisodes, 1)))
    }
}
