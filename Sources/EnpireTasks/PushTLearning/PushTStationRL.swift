public import Enpire
import EnpireLearning
import EnpireReward
public import EnpireSim
import Foundation

/// Reinforcement learning of a Push-T primitive selector on simulated stations judged by camera: on-policy policy
/// gradient (REINFORCE with a normalised advantage and a KL anchor to the starting policy) over the selector's
/// discrete choice of push primitive.
///
/// Every training episode runs through a `Station` composed as a hardware one: the robot reset (the pusher puts
/// the T back, verified), the safety envelope, one 640x480 top camera with realistic noise that both the policy
/// (block pose, through its own calibration) and the reward (`PushTCameraReward`, the frozen default model, which
/// ends the episode on its success) read, and the station's clock (robot time, resets included). The policy
/// samples each decision from the softmax of its scores and logs what it read and chose; the reward of a decision
/// is what the station measured: the change of the camera's coverage estimate over the primitive, plus
/// ``Configuration/successBonus`` when the camera judged success, minus ``Configuration/stepCost`` per control step.
/// The learner never reads the simulator's state or success flag; the ground truth is read after each episode for
/// the report only (how often the camera verdict agreed). Development scoring uses the ground truth, as for every
/// paradigm, and picks the kept round (round 0 is the starting policy).
///
/// Rounds are on-policy: the stations act with the round's weights, then the learner updates on that round's
/// decisions (a real station would collect the next round while the learner works; in simulation the lockstep
/// keeps a run reproducible).
public struct PushTStationRL: Sendable {
    /// Training settings.
    public struct Configuration: Sendable, Codable, Equatable {
        /// Rounds of collection and update.
        public var rounds = 8
        /// Exploring episodes per round.
        public var episodesPerRound = 100
        /// Control steps of an exploring episode at most (gym-pusht's 300 by default).
        public var maxSteps = PushTGeometry.maxEpisodeSteps
        /// First training seed (round `r` uses the next `episodesPerRound` seeds).
        public var trainingFirstSeed: UInt64 = 300_000
        /// Adam learning rate.
        public var learningRate: Float = 3e-4
        /// Passes over a round's decisions.
        public var epochs = 2
        /// PPO's clipped surrogate: with a value ε, a decision whose probability ratio to the acting policy has
        /// left [1 − ε, 1 + ε] in its advantage's direction stops contributing (so several passes over a round stay
        /// near the policy that collected it); nil: the plain policy gradient.
        public var clipRatio: Float?
        /// Mini-batch size (decisions).
        public var batchSize = 256
        /// Passes of the critic (state value) over a round's returns before the policy update.
        public var criticEpochs = 20
        /// Weight of KL(starting policy ‖ policy), which keeps the update near what imitation learned.
        public var klWeight: Float = 0.2
        /// Discount per control step (a decision's future is discounted by its number of steps).
        public var discount = 0.99
        /// Reward added to the decision on which the camera judged success.
        public var successBonus = 1.0
        /// Reward subtracted per control step.
        public var stepCost = 0.0
        /// Development episodes scored after each round (ground truth, camera observations).
        public var developmentEpisodes = 60
        /// First development seed.
        public var developmentFirstSeed: UInt64 = 200_000
        /// Stations run in parallel.
        public var workers = 2
        /// Seed of exploration and shuffling.
        public var seed: UInt64 = 1
        /// The reality the stations live in (nil: clean gym-pusht).
        public var reality: PushTReality?
        /// ``PushTPrimitivePolicy/holdsWhenCovered`` of the exploring and development policies (nil: never hold).
        public var holdsWhenCovered: Double?

        /// Default settings.
        public init() {}

        /// Checks the settings, with a message naming the bad one.
        public func validate() throws {
            let check = PushTLearningError.check
            try check((1...1000).contains(rounds), "rounds must be in 1...1000")
            try check((1...100_000).contains(episodesPerRound), "episodesPerRound must be in 1...100000")
            try check((1...100_000).contains(maxSteps), "maxSteps must be in 1...100000")
            try check(learningRate.isFinite && learningRate > 0 && learningRate < 1, "learningRate must be in (0, 1)")
            try check((1...1000).contains(epochs), "epochs must be in 1...1000")
            try check(clipRatio.map { $0.isFinite && $0 > 0 && $0 < 1 } ?? true, "clipRatio must be in (0, 1)")
            try check((1...1000).contains(criticEpochs), "criticEpochs must be in 1...1000")
            try check((1...65_536).contains(batchSize), "batchSize must be in 1...65536")
            try check(klWeight.isFinite && (0...100).contains(klWeight), "klWeight must be in 0...100")
            try check((0...1).contains(discount), "discount must be in 0...1")
            try check(successBonus.isFinite && stepCost.isFinite && stepCost >= 0, "successBonus and stepCost must be finite, stepCost >= 0")
            try check((1...100_000).contains(developmentEpisodes), "developmentEpisodes must be in 1...100000")
            try check((1...64).contains(workers), "workers must be in 1...64")
        }
    }

    /// One point of the learning curve (round 0: the starting policy, before any update).
    public struct CurvePoint: Sendable, Codable, Equatable {
        /// Round index.
        public var round: Int
        /// Exploring episodes so far.
        public var episodes: Int
        /// Decisions learned from so far.
        public var decisions: Int
        /// Station robot seconds of the exploring episodes so far, resets included (the station's clock).
        public var trainingRobotSeconds: Double
        /// Of those, reset seconds.
        public var resetSeconds: Double
        /// Robot seconds of development scoring so far.
        public var developmentRobotSeconds: Double
        /// This round's exploring episodes the camera judged successful.
        public var cameraSuccesses: Int
        /// This round's exploring episodes that succeeded by gym-pusht's rule (report only; never learned from).
        public var groundTruthSuccesses: Int
        /// This round's exploring episodes where the camera said success and the ground truth did not.
        public var falsePositives: Int
        /// This round's exploring episodes.
        public var roundEpisodes: Int
        /// Mean undiscounted return of this round's exploring episodes (camera score gained, success bonus, step
        /// costs).
        public var meanReturn: Double
        /// Development successes of the weights after this round (ground truth, camera observations).
        public var developmentSuccesses: Int
        /// Development episodes.
        public var developmentEpisodes: Int
        /// Wall seconds since the start.
        public var wallSeconds: Double
    }

    /// What a run produced.
    public struct Result: Sendable {
        /// The kept model (best development success, later round on ties).
        public var model: PushTPrimitiveModel
        /// The curve, one point per round (round 0 first).
        public var curve: [CurvePoint]
        /// The kept round.
        public var keptRound: Int
        /// Wall seconds.
        public var wallSeconds: Double
    }

    /// Progress of a run.
    public struct Progress: Sendable {
        /// `explore`, `develop`, or `round` once a round is scored (with ``point``).
        public var phase: String
        /// Round index (1-based for rounds of exploration).
        public var round: Int
        /// Units done.
        public var done: Int
        /// Units in this phase.
        public var total: Int
        /// Estimated seconds left in the run.
        public var etaSeconds: Double?
        /// On `round`: the round's curve point.
        public var point: CurvePoint?
    }

    /// The settings.
    public var configuration: Configuration

    /// Creates a learner.
    public init(configuration: Configuration = Configuration()) { self.configuration = configuration }

    /// One explored episode as the learner sees it.
    struct Explored {
        var decisions: [PushTSelectorDecision]
        var advantages: [Double]
        var cameraSuccess: Bool
        var groundTruthSuccess: Bool
        var robotSeconds: Double
        var resetSeconds: Double
        var episodeReturn = 0.0
    }

    /// Improves `base` (a trained selector) and returns the development-best round.
    ///
    /// With `recorder`, every exploring episode is recorded like any other station episode (steps with source
    /// `policy`, the camera's frames, tags `rl` and `round`); development episodes are not.
    public func run(base: PushTPrimitiveModel, recorder: (any EpisodeRecorder)? = nil,
                    progress: @escaping @Sendable (Progress) -> Void = { _ in }) async throws -> Result {
        let config = configuration
        try config.validate()
        let start = ContinuousClock.now
        let elapsed: @Sendable () -> Double = { (ContinuousClock.now - start).inSeconds }
        var rng = SplitMix64(seed: config.seed)
        let specification = base.specification
        let network = try specification.makeNetwork(rng: &rng)
        try network.load(stateDictionary: base.stateDictionary())
        let optimizer = Adam(parameters: network.parameters, learningRate: config.learningRate)
        let critic = try MLPSpecification(inputFeatures: PushTPrimitiveFeatures.count, hiddenWidths: [128, 128],
                                          outputFeatures: 1).makeNetwork(rng: &rng)
        let criticOptimizer = Adam(parameters: critic.parameters, learningRate: 1e-3)
        let stations = try (0..<max(1, config.workers)).map { lane in
            try PushTSimulatedStation(name: "rl-\(lane)", recorder: recorder, robotReset: true, cameraReward: PushTRewardModel(),
                                      judgeCameraSeed: config.seed &* 1_000_003 &+ UInt64(lane), reality: config.reality)
        }
        let observers = try (0..<stations.count).map { lane in
            try PushTCameraObserver.simulated(
                cameraName: PushTRewardModel().cameraName,
                noise: CameraNoise.realistic(seed: config.seed &* 1_000_003 &+ UInt64(lane)))
        }
        var curve: [CurvePoint] = []
        var totals = (episodes: 0, decisions: 0, robot: 0.0, reset: 0.0, development: 0.0)
        var best: (successes: Int, round: Int, model: PushTPrimitiveModel)?
        for round in 0...config.rounds {
            // ETA from the exploring episodes' pace (development scoring is a small share of the run).
            let totalEpisodes = config.rounds * config.episodesPerRound
            let eta: @Sendable (Int) -> Double? = { doneInRound in
                let done = max(0, round - 1) * config.episodesPerRound + doneInRound
                guard done > 0 else { return nil }
                return elapsed() / Double(done) * Double(totalEpisodes - done)
            }
            let model = PushTPrimitiveModel(library: base.library, specification: specification, metrics: [:],
                                            network: try Self.copy(network, specification))
            var explored: [Explored] = []
            if round > 0 {
                let offset = UInt64((round - 1) * config.episodesPerRound)
                let seeds = (0..<UInt64(config.episodesPerRound)).map { config.trainingFirstSeed + offset + $0 }
                explored = try await explore(model: model, seeds: seeds, stations: stations, observers: observers,
                                             round: round) { done in
                    progress(Progress(phase: "explore", round: round, done: done, total: seeds.count,
                                      etaSeconds: eta(done)))
                }
                try update(network: network, optimizer: optimizer, critic: (critic, criticOptimizer), base: base,
                           explored: explored, rng: &rng)
                totals.episodes += explored.count
                totals.decisions += explored.reduce(0) { $0 + $1.decisions.count }
                totals.robot += explored.reduce(0) { $0 + $1.robotSeconds }
                totals.reset += explored.reduce(0) { $0 + $1.resetSeconds }
            }
            let updated = round == 0 ? model : PushTPrimitiveModel(
                library: base.library, specification: specification, metrics: [:],
                network: try Self.copy(network, specification))
            let dev = try await PushTPolicyEvaluation.evaluate(
                model: updated, mode: .camera, firstSeed: config.developmentFirstSeed,
                episodes: config.developmentEpisodes, workers: config.workers, reality: config.reality,
                holdsWhenCovered: config.holdsWhenCovered) { done, total in
                progress(Progress(phase: "develop", round: round, done: done, total: total,
                                  etaSeconds: eta(round == 0 ? 0 : config.episodesPerRound)))
            }
            totals.development += dev.robotSeconds
            let point = CurvePoint(
                round: round, episodes: totals.episodes, decisions: totals.decisions,
                trainingRobotSeconds: totals.robot, resetSeconds: totals.reset,
                developmentRobotSeconds: totals.development,
                cameraSuccesses: explored.filter(\.cameraSuccess).count,
                groundTruthSuccesses: explored.filter(\.groundTruthSuccess).count,
                falsePositives: explored.filter { $0.cameraSuccess && !$0.groundTruthSuccess }.count,
                roundEpisodes: explored.count,
                meanReturn: explored.isEmpty ? 0 : explored.reduce(0) { $0 + $1.episodeReturn } / Double(explored.count),
                developmentSuccesses: dev.successes,
                developmentEpisodes: dev.episodes, wallSeconds: elapsed())
            curve.append(point)
            progress(Progress(phase: "round", round: round, done: round, total: config.rounds,
                              etaSeconds: eta(round == 0 ? 0 : config.episodesPerRound), point: point))
            if best == nil || dev.successes >= best!.successes {
                let metrics: [String: Double] = [
                    "round": Double(round), "developmentSuccesses": Double(dev.successes),
                    "developmentEpisodes": Double(dev.episodes), "trainingRobotSeconds": totals.robot,
                    "wallSeconds": elapsed(),
                ]
                best = (dev.successes, round, PushTPrimitiveModel(
                    library: base.library, specification: specification, metrics: metrics,
                    network: try Self.copy(network, specification)))
            }
        }
        guard let best else { throw PushTLearningError.invalidSetting("no round ran") }
        return Result(model: best.model, curve: curve, keptRound: best.round, wallSeconds: elapsed())
    }

    /// Runs one exploring episode per seed on the stations (seed `i` on station `i mod stations`).
    func explore(model: PushTPrimitiveModel, seeds: [UInt64], stations: [PushTSimulatedStation],
                 observers: [PushTCameraObserver], round: Int, done: @escaping @Sendable (Int) -> Void) async throws
        -> [Explored] {
        let config = configuration
        let counter = PushTPolicyEvaluation.Counters()
        let undiscounted = { var copy = config; copy.discount = 1; return copy }()
        return try await withThrowingTaskGroup(of: [(Int, Explored)].self) { group in
            for lane in stations.indices {
                let station = stations[lane]
                let exploration = PushTSelectorExploration(
                    seed: config.seed &+ UInt64(round) &* 7_919 &+ UInt64(lane) &* 104_729)
                var policy = try PushTPrimitivePolicy(model: model, mode: .camera, observer: observers[lane])
                policy.exploration = exploration
                policy.holdsWhenCovered = config.holdsWhenCovered
                let acting = policy
                group.addTask {
                    var results: [(Int, Explored)] = []
                    for index in stride(from: lane, to: seeds.count, by: stations.count) {
                        let before = await station.station.currentHealth
                        let episode = try await station.station.runEpisode(
                            policy: acting, seed: seeds[index], maxSteps: config.maxSteps,
                            stopOnSuccess: true, tags: ["rl": "pusht-selector-pg", "round": "\(round)"])
                        let after = await station.station.currentHealth
                        let decisions = exploration.takeDecisions()
                        let resetSeconds = after.resetSeconds - before.resetSeconds
                        // Ground truth, for the report only: gym-pusht would have ended the episode at coverage > 0.95.
                        let truth = await PushTPolicyEvaluation.highestCoverage(of: episode, on: station)
                            > PushTGeometry.successThreshold
                        let cameraSuccess = episode.summary.verdict?.success ?? false
                        results.append((index, Explored(
                            decisions: decisions,
                            advantages: Self.returns(decisions: decisions, steps: episode.steps,
                                                     success: cameraSuccess, configuration: config),
                            cameraSuccess: cameraSuccess, groundTruthSuccess: truth,
                            robotSeconds: after.episodeSeconds - before.episodeSeconds + resetSeconds,
                            resetSeconds: resetSeconds,
                            episodeReturn: Self.returns(decisions: Array(decisions.prefix(1)), steps: episode.steps,
                                                        success: cameraSuccess, configuration: undiscounted).first ?? 0)))
                        done(counter.finish())
                    }
                    return results
                }
            }
            var all: [(Int, Explored)] = []
            for try await part in group { all += part }
            return all.sorted { $0.0 < $1.0 }.map(\.1)
        }
    }
}
