import Enpire
import EnpireLearning
public import EnpireSim
import Foundation
import Synchronization

/// Trains a Push-T primitive selector by imitation with DAgger, from the planner as teacher.
///
/// Why this shape: the planner is a strong teacher but not a per-step one (it commits to open-loop push
/// primitives, so its step-level actions are not a function of the current observation), and it rates several
/// primitives almost equally in many states (push the bar or the stem), which a regression onto its actions
/// averages into nonsense. Here the learner imitates the planner's decision at the primitive level, where the
/// teacher's label depends on the current observation only: at every decision point the teacher (privileged: it
/// reads the exact state and rolls every candidate out in a private simulator) scores all primitives; the learner
/// is trained on the softmax of those scores (a soft, multimodal target over a discrete action set) with
/// cross-entropy, EMA weights and a validation split by episode. Round 0 follows the teacher; later rounds follow
/// the learner and are relabelled by the teacher (DAgger), aggregated. The checkpoint kept is the one with the
/// best rollout success on development seeds, never chosen by loss. The learner's inputs come with pose noise like
/// the camera's estimate, so the policy is trained for camera observations.
public struct PushTPrimitiveLearner: Sendable {
    /// Training settings.
    public struct Configuration: Sendable, Codable, Equatable {
        /// Primitive library and teacher settings.
        public var library = PushTPlannerParameters()
        /// `dagger` (rounds after the first follow the learner, relabelled by the teacher) or `bc` (every round
        /// follows the teacher: plain behaviour cloning with the same data budget).
        public var paradigm = Paradigm.dagger
        /// First seed of the training episodes (round `r` uses the next `episodesPerRound` seeds).
        public var trainingFirstSeed: UInt64 = 100_000
        /// Episodes collected per round.
        public var episodesPerRound = 150
        /// Episodes of the first round (the teacher's demonstrations), when different from ``episodesPerRound``.
        public var firstRoundEpisodes: Int?
        /// Rounds: the first follows the teacher, the rest the learner (DAgger).
        public var rounds = 5
        /// Share of decisions taken by the teacher in DAgger rounds (β).
        public var teacherShare = 0.0
        /// Hidden layer widths.
        public var hiddenWidths = [256, 256, 256]
        /// Passes over the aggregated data after each round.
        public var epochs = 20
        /// Fewest optimiser updates per round (more epochs run when the data is small).
        public var minimumUpdates = 1500
        /// Mini-batch size.
        public var batchSize = 256
        /// Adam learning rate.
        public var learningRate: Float = 1e-3
        /// EMA decay of the evaluated weights.
        public var emaDecay: Float = 0.995
        /// Temperature of the soft target over primitive costs (pixels of cost).
        public var temperature = 2.0
        /// Standard deviation of the block position noise added to the learner's inputs (pixels).
        public var positionNoise = 0.6
        /// Standard deviation of the block angle noise (radians).
        public var angleNoise = 0.008
        /// Share of episodes held out for validation loss.
        public var validationShare = 0.1
        /// First development seed for checkpoint selection by rollout success.
        public var developmentFirstSeed: UInt64 = 200_000
        /// Development episodes per evaluation.
        public var developmentEpisodes = 60
        /// Worker threads.
        public var workers = 2
        /// Seed of initialisation, shuffling and noise.
        public var seed: UInt64 = 1
        /// The reality training and development episodes run in (nil: clean gym-pusht): each episode's departures
        /// are drawn from it with the seed (domain randomisation).
        public var reality: PushTReality?

        /// Default settings.
        public init() {}

        /// Checks the settings, with a message naming the bad one.
        public func validate() throws {
            let check = PushTLearningError.check
            try check((1...100_000).contains(episodesPerRound), "episodesPerRound must be in 1...100000")
            try check(firstRoundEpisodes.map { (1...100_000).contains($0) } ?? true, "firstRoundEpisodes must be in 1...100000")
            try check((1...100).contains(rounds), "rounds must be in 1...100")
            try check((0...1).contains(teacherShare), "teacherShare must be in 0...1")
            try check(!hiddenWidths.isEmpty && hiddenWidths.count <= 8 && hiddenWidths.allSatisfy { (1...4096).contains($0) },
                      "hiddenWidths: 1 to 8 layers of 1...4096")
            try check((1...10_000).contains(epochs), "epochs must be in 1...10000")
            try check((0...1_000_000).contains(minimumUpdates), "minimumUpdates must be in 0...1000000")
            try check((1...65_536).contains(batchSize), "batchSize must be in 1...65536")
            try check(learningRate.isFinite && learningRate > 0 && learningRate < 1, "learningRate must be in (0, 1)")
            try check(emaDecay.isFinite && emaDecay >= 0 && emaDecay < 1, "emaDecay must be in [0, 1)")
            try check(temperature.isFinite && temperature > 0, "temperature must be positive")
            try check(positionNoise.isFinite && (0...50).contains(positionNoise), "positionNoise must be in 0...50")
            try check(angleNoise.isFinite && (0...1).contains(angleNoise), "angleNoise must be in 0...1")
            try check((0..<1).contains(validationShare), "validationShare must be in [0, 1)")
            try check((0...100_000).contains(developmentEpisodes), "developmentEpisodes must be in 0...100000")
            try check((1...64).contains(workers), "workers must be in 1...64")
        }
    }

    /// How training data is collected.
    public enum Paradigm: String, Sendable, Codable, CaseIterable {
        /// Behaviour cloning: every round's episodes follow the teacher.
        case bc
        /// DAgger: the first round follows the teacher, later rounds the learner, every decision relabelled.
        case dagger
    }

    /// One point of the learning curve (after a round).
    public struct CurvePoint: Sendable, Codable, Equatable {
        /// Round index (0: teacher data only).
        public var round: Int
        /// Labelled decisions aggregated so far.
        public var samples: Int
        /// Wall seconds since training started.
        public var wallSeconds: Double
        /// Simulated robot seconds spent so far (data collection and development rollouts, 10 Hz steps).
        public var robotSeconds: Double
        /// Development successes of this round's EMA weights.
        public var developmentSuccesses: Int
        /// Development episodes.
        public var developmentEpisodes: Int
        /// Mean cross-entropy on the validation episodes.
        public var validationLoss: Double
        /// Share of validation decisions where the learner picked the teacher's best primitive.
        public var validationAgreement: Double
    }

    /// What training produced.
    public struct Result: Sendable {
        /// The kept model (best development success).
        public var model: PushTPrimitiveModel
        /// The learning curve.
        public var curve: [CurvePoint]
        /// Round whose weights were kept.
        public var keptRound: Int
        /// Total wall seconds.
        public var wallSeconds: Double
        /// Successful episodes among the first round's (teacher-driven) episodes.
        public var teacherSuccesses = 0
    }

    /// Progress of a training run.
    public struct Progress: Sendable {
        /// What is running (`collect`, `train`, `develop`).
        public var phase: String
        /// Round index.
        public var round: Int
        /// Units done in this phase.
        public var done: Int
        /// Units in this phase.
        public var total: Int
        /// Estimated seconds left for the whole run, when known.
        public var etaSeconds: Double?
        /// One line for a person.
        public var message: String
    }

    /// The settings.
    public var configuration: Configuration

    /// Creates a learner.
    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    struct Sample {
        var features: [Float]
        var target: [Float]
        var best: Int
        var validation: Bool
    }

    /// Trains, reporting progress; the result's model is the development-best round (the later one on ties).
    public func run(progress: @Sendable (Progress) -> Void = { _ in }) throws -> Result {
        try configuration.validate()
        let config = configuration
        let start = ContinuousClock.now
        let elapsed = { (ContinuousClock.now - start).inSeconds }
        var rng = SplitMix64(seed: config.seed)
        let (specification, network, optimizer, ema, classes) = try freshNetwork(rng: &rng)
        var samples: [Sample] = []
        var curve: [CurvePoint] = []
        var robotSeconds = 0.0
        var best: (successes: Int, round: Int, model: PushTPrimitiveModel)?
        var roundSeconds: [Double] = []
        var teacherSuccesses = 0
        for round in 0..<config.rounds {
            let roundStart = elapsed()
            let perRound = roundSeconds.isEmpty ? nil : roundSeconds.reduce(0, +) / Double(roundSeconds.count)
            let roundsLeft = Double(config.rounds - round)
            let eta: @Sendable (Double) -> Double? = { fraction in perRound.map { $0 * (roundsLeft - fraction) } }
            // Collect: round 0 follows the teacher, later rounds the current EMA learner.
            let followsTeacher = round == 0 || config.paradigm == .bc
            let learner: PushTPrimitiveModel? = followsTeacher ? nil : try snapshot(ema: ema, specification: specification,
                                                                               metrics: [:])
            let first = config.firstRoundEpisodes ?? config.episodesPerRound
            let count = round == 0 ? first : config.episodesPerRound
            let offset = round == 0 ? 0 : first + (round - 1) * config.episodesPerRound
            let seeds = (0..<count).map { config.trainingFirstSeed + UInt64(offset + $0) }
            let collected = PushTPrimitiveRollouts.run(
                seeds: seeds, library: config.library, learner: learner, teacherShare: followsTeacher ? 1 : config.teacherShare,
                label: true, temperature: config.temperature, positionNoise: config.positionNoise,
                angleNoise: config.angleNoise, noiseSeed: config.seed &+ UInt64(round) &* 7919, workers: config.workers,
                reality: config.reality
            ) { done in
                progress(Progress(phase: "collect", round: round, done: done, total: seeds.count,
                                  etaSeconds: eta(0.5 * Double(done) / Double(seeds.count)),
                                  message: "round \(round + 1)/\(config.rounds): labelled \(done)/\(seeds.count) episodes"))
            }
            robotSeconds += Double(collected.steps) / PushTGeometry.controlRateHz
            if round == 0 { teacherSuccesses = collected.successes }
            var validationRng = SplitMix64(seed: config.seed &+ 104_729 &* UInt64(round + 1))
            for episode in collected.episodes {
                let validation = validationRng.nextUnitDouble() < config.validationShare
                for decision in episode.decisions {
                    samples.append(Sample(features: decision.features, target: decision.target, best: decision.best,
                                          validation: validation))
                }
            }
            // Train on everything aggregated so far.
            let training = samples.filter { !$0.validation }
            let validation = samples.filter(\.validation)
            try train(network: network, optimizer: optimizer, ema: ema, samples: training, classes: classes,
                      rng: &rng) { epoch, epochs in
                progress(Progress(phase: "train", round: round, done: epoch, total: epochs,
                                  etaSeconds: eta(0.5 + 0.4 * Double(epoch) / Double(epochs)),
                                  message: "round \(round + 1)/\(config.rounds): epoch \(epoch)/\(epochs) on "
                                      + "\(training.count) decisions"))
            }
            let model = try snapshot(ema: ema, specification: specification, metrics: [:])
            let (loss, agreement) = try Self.validate(model: model, samples: validation, classes: classes)
            // Development rollouts: the learner alone, no labels.
            let devSeeds = (0..<config.developmentEpisodes).map { config.developmentFirstSeed + UInt64($0) }
            let dev = PushTPrimitiveRollouts.run(
                seeds: devSeeds, library: config.library, learner: model, teacherShare: 0, label: false,
                temperature: config.temperature, positionNoise: config.positionNoise, angleNoise: config.angleNoise,
                noiseSeed: config.seed &+ 31, workers: config.workers, reality: config.reality) { done in
                progress(Progress(phase: "develop", round: round, done: done, total: devSeeds.count,
                                  etaSeconds: eta(0.9 + 0.1 * Double(done) / Double(max(devSeeds.count, 1))),
                                  message: "round \(round + 1)/\(config.rounds): development rollouts \(done)/\(devSeeds.count)"))
            }
            robotSeconds += Double(dev.steps) / PushTGeometry.controlRateHz
            let point = CurvePoint(round: round, samples: samples.count, wallSeconds: elapsed(), robotSeconds: robotSeconds,
                                   developmentSuccesses: dev.successes, developmentEpisodes: devSeeds.count,
                                   validationLoss: loss, validationAgreement: agreement)
            curve.append(point)
            progress(Progress(phase: "round", round: round, done: round + 1, total: config.rounds, etaSeconds: eta(1),
                              message: String(format: "round %d/%d: %d decisions, validation loss %.3f, agreement %.1f%%, development %d/%d, %.0f s",
                                              round + 1, config.rounds, samples.count, loss, 100 * agreement,
                                              dev.successes, devSeeds.count, elapsed())))
            // Ties keep the later round: equal development success, more (and learner-visited) data.
            if best == nil || dev.successes >= best!.successes {
                let metrics: [String: Double] = [
                    "round": Double(round), "developmentSuccesses": Double(dev.successes),
                    "developmentEpisodes": Double(devSeeds.count), "samples": Double(samples.count),
                    "validationLoss": loss, "validationAgreement": agreement, "wallSeconds": elapsed(),
                    "robotSeconds": robotSeconds,
                ]
                best = (dev.successes, round, try snapshot(ema: ema, specification: specification, metrics: metrics))
            }
            roundSeconds.append(elapsed() - roundStart)
        }
        guard let best else { throw PushTLearningError.invalidSetting("no round ran") }
        return Result(model: best.model, curve: curve, keptRound: best.round, wallSeconds: elapsed(),
                      teacherSuccesses: teacherSuccesses)
    }

    /// A fresh selector network for the library's primitives (initialised from `rng`), its optimiser and its EMA.
    func freshNetwork(rng: inout SplitMix64) throws -> (specification: MLPSpecification, network: Sequential,
                                                         optimizer: Adam, ema: ExponentialMovingAverage, classes: Int) {
        let classes = PushTPushPlanner(parameters: configuration.library).candidateCount
        let specification = MLPSpecification(inputFeatures: PushTPrimitiveFeatures.count,
                                              hiddenWidths: configuration.hiddenWidths, outputFeatures: classes)
        let network = try specification.makeNetwork(rng: &rng)
        return (specification, network, Adam(parameters: network.parameters, learningRate: configuration.learningRate),
                ExponentialMovingAverage(parameters: network.parameters, decay: configuration.emaDecay), classes)
    }

    func snapshot(ema: ExponentialMovingAverage, specification: MLPSpecification,
                          metrics: [String: Double]) throws -> PushTPrimitiveModel {
        var rng = SplitMix64(seed: 0)
        let copy = try specification.makeNetwork(rng: &rng)
        try copy.load(stateDictionary: ema.stateDictionary())
        return PushTPrimitiveModel(library: configuration.library, specification: specification, metrics: metrics,
                                   network: copy)
    }

    func train(network: Sequential, optimizer: Adam, ema: ExponentialMovingAverage, samples: [Sample],
                       classes: Int, rng: inout SplitMix64, epochDone: (Int, Int) -> Void) throws {
        guard !samples.isEmpty else { return }
        let width = PushTPrimitiveFeatures.count
        let batch = min(configuration.batchSize, samples.count)
        var order = Array(samples.indices)
        var input = Tensor.zeros([batch, width])
        var target = Tensor.zeros([batch, classes])
        var logits = Tensor.zeros([batch, classes])
        var gradient = Tensor.zeros([batch, classes])
        let loss = SoftmaxCrossEntropyLoss()
        let batchesPerEpoch = max(1, order.count / batch)
        let epochs = max(configuration.epochs, (configuration.minimumUpdates + batchesPerEpoch - 1) / batchesPerEpoch)
        for epoch in 1...epochs {
            try forEachShuffledBatch(&order, batch: batch, rng: &rng) { rows in
                input.scalars.withUnsafeMutableBufferPointer { x in
                    target.scalars.withUnsafeMutableBufferPointer { t in
                        for (row, index) in rows.enumerated() {
                            let sample = samples[index]
                            for k in 0..<width { x[row * width + k] = sample.features[k] }
                            for k in 0..<classes { t[row * classes + k] = sample.target[k] }
                        }
                    }
                }
                try network.forward(input, into: &logits, training: true)
                _ = try loss(logits: logits, target: target, gradient: &gradient)
                try network.backward(gradient)
                optimizer.step()
                ema.update()
            }
            epochDone(epoch, epochs)
        }
    }

    static func validate(model: PushTPrimitiveModel, samples: [Sample], classes: Int) throws -> (Double, Double) {
        guard !samples.isEmpty else { return (0, 0) }
        var total = 0.0
        var agree = 0
        for sample in samples {
            let z = model.logits(sample.features)
            let m = z.max() ?? 0
            let logSum = log(z.reduce(0) { $0 + exp(Double($1 - m)) }) + Double(m)
            for k in 0..<classes where sample.target[k] > 0 { total -= Double(sample.target[k]) * (Double(z[k]) - logSum) }
            var chosen = 0
            for k in z.indices where z[k] > z[chosen] { chosen = k }
            if chosen == sample.best { agree += 1 }
        }
        return (total / Double(samples.count), Double(agree) / Double(samples.count))
    }
}
