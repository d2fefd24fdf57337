public import EnpireSim
public import Foundation

/// Push-T in `enpire learn` / `enpire policy eval`: the learned primitive selector (``PushTPrimitiveLearner``,
/// ``PushTPrimitivePolicy``), trained with the planner as privileged teacher and scored through simulated stations.
///
/// Options map as follows: `demonstrations` is the first round's teacher-driven episodes, `daggerRounds` the rounds
/// after it (each `episodesPerRound` episodes; with `bc` they follow the teacher too), `devSeeds` the development
/// episodes after each round, `epochs` the passes per round (at least 1,500 updates run). With `camera`, the inputs
/// are trained with pose noise like the camera's and the policy reads the station's camera at evaluation; with
/// `state` (privileged) there is no noise and it reads the exact state. The measured run of Docs/LearnedPolicies.md
/// is `--demonstrations 150 --rounds 4 --episodes-per-round 150 --dev-seeds 60 --first-dev-seed 200000
/// --hidden 256,256,256 --epochs 20`.
public struct PushTLearnableTask: LearnableTask {
    /// The reality ``evaluate(policyDirectory:firstSeed:episodes:observe:workers:progress:)`` scores in, and the one
    /// `bc`/`dagger` training and development episodes run in (domain randomisation; the teacher still plans with
    /// clean gym-pusht); nil: clean gym-pusht. Every episode's departures are drawn from it with the seed.
    public var reality: PushTReality?

    /// Whether ``evaluate(policyDirectory:firstSeed:episodes:observe:workers:progress:)`` measures the goal marking
    /// again in each episode's first camera frame (``PushTPrimitivePolicy/registersEachEpisode``).
    public var registersCameraEachEpisode = false
    /// Whether the evaluated policy waits for its pusher to arrive before deciding
    /// (``PushTPrimitivePolicy/waitsForArrival``).
    public var waitsForArrival = false
    /// ``PushTPrimitivePolicy/holdsWhenCovered`` of the evaluated policy and of `station-rl`'s policies.
    public var holdsWhenCovered: Double?
    /// `station-rl`: a folder where every exploring episode is recorded (an `EpisodeStore`; frames included, about
    /// 30 kB per 640x480 frame); nil: not recorded.
    public var recordingFolder: URL?
    /// ``PushTPrimitivePolicy/movesAsideWhenHidden`` of the evaluated policy.
    public var movesAsideWhenHidden = false
    /// `station-rl`: ``PushTStationRL/Configuration/clipRatio`` (nil: the plain policy gradient).
    public var stationRLClipRatio: Float?
    /// `station-rl`: ``PushTStationRL/Configuration/epochs``, passes over each round's decisions (nil: its default).
    public var stationRLEpochs: Int?

    /// `bc`/`dagger`: the planner settings whose primitives the selector chooses among and whose planner is the
    /// teacher (default: `PushTPlannerParameters`' defaults; `enpire main` uses its kept recipe).
    public var library = PushTPlannerParameters()

    /// Creates the task (scoring in `reality`, when given).
    public init(reality: PushTReality? = nil) { self.reality = reality }

    /// `"pusht"`.
    public var name: String { "pusht" }

    /// `bc`, `dagger` and `station-rl` (policy-gradient fine-tuning of a `bc`/`dagger` checkpoint, `options.base`,
    /// on camera-judged stations: ``PushTStationRL``).
    public var paradigms: [String] { PushTPrimitiveLearner.Paradigm.allCases.map(\.rawValue) + [Self.stationRL] }

    /// The reinforcement-learning paradigm's name.
    public static let stationRL = "station-rl"

    /// Trains and writes the checkpoint (`policy.safetensors`, `policy.json`) and `curve.json` into `options.output`.
    public func learn(_ options: LearnOptions, progress: @escaping @Sendable (LearnProgress) -> Void) async throws
        -> LearnSummary {
        try options.validate(paradigms: paradigms)
        if options.paradigm == Self.stationRL { return try await learnOnStations(options, progress: progress) }
        var configuration = PushTPrimitiveLearner.Configuration()
        configuration.paradigm = PushTPrimitiveLearner.Paradigm(rawValue: options.paradigm) ?? .dagger
        configuration.firstRoundEpisodes = options.demonstrations
        configuration.episodesPerRound = options.episodesPerRound
        configuration.rounds = options.daggerRounds + 1
        configuration.epochs = options.epochs
        configuration.hiddenWidths = options.hiddenWidths
        configuration.learningRate = options.learningRate
        configuration.batchSize = options.batchSize
        configuration.developmentEpisodes = options.devSeeds
        configuration.developmentFirstSeed = options.firstDevSeed
        configuration.workers = options.workers
        configuration.seed = options.seed
        configuration.reality = reality.flatMap { $0.isClean ? nil : $0 }
        configuration.library = library
        if options.observe == .state {
            configuration.positionNoise = 0
            configuration.angleNoise = 0
        }
        let total = configuration.rounds
        let result = try PushTPrimitiveLearner(configuration: configuration).run { update in
            guard update.phase == "round" else { return }
            progress(LearnProgress(phase: "round \(update.round + 1)", done: update.done, total: total,
                                   etaSeconds: update.etaSeconds))
        }
        try result.model.save(to: options.output)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(result.curve).write(to: options.output.appendingPathComponent("curve.json"), options: .atomic)
        let curve = result.curve.map {
            LearningCurvePoint(stage: "\(configuration.paradigm.rawValue) round \($0.round + 1)", wallSeconds: $0.wallSeconds,
                               robotSeconds: $0.robotSeconds, rows: $0.samples, devSuccesses: $0.developmentSuccesses,
                               devEpisodes: $0.developmentEpisodes, validationMSE: nil)
        }
        return learnSummary(options, curve: curve, keptRound: result.keptRound, wallSeconds: result.wallSeconds,
                            teacherSuccesses: result.teacherSuccesses)
    }

    /// The summary of a run whose development curve is `curve` and whose checkpoint is round `keptRound`'s; the
    /// robot time is the curve's last, which already counts every round's training and development episodes.
    func learnSummary(_ options: LearnOptions, curve: [LearningCurvePoint], keptRound: Int, wallSeconds: Double,
                      teacherSuccesses: Int) -> LearnSummary {
        let kept = curve[keptRound]
        return LearnSummary(task: name, paradigm: options.paradigm, observe: options.observe, checkpoint: options.output,
                            chosenStage: kept.stage, trainingWallSeconds: wallSeconds,
                            robotSeconds: curve.last?.robotSeconds ?? 0, devSuccesses: kept.devSuccesses,
                            devEpisodes: kept.devEpisodes, teacherSuccesses: teacherSuccesses, curve: curve)
    }

    /// Scores a checkpoint through simulated stations; the task score is each episode's highest coverage.
    public func evaluate(policyDirectory: URL, firstSeed: UInt64, episodes: Int, observe: ObservationMode, workers: Int,
                         progress: @escaping @Sendable (LearnProgress) -> Void) async throws -> PolicyEvaluation {
        let model = try PushTPrimitiveModel.load(from: policyDirectory)
        let summary = try await PushTPolicyEvaluation.evaluate(model: model, mode: observe, firstSeed: firstSeed,
                                                               episodes: episodes, workers: workers,
                                                               reality: reality,
                                                               registersEachEpisode: registersCameraEachEpisode,
                                                               waitsForArrival: waitsForArrival,
                                                               holdsWhenCovered: holdsWhenCovered,
                                                               movesAsideWhenHidden: movesAsideWhenHidden) { done, total in
            progress(LearnProgress(phase: "evaluation", done: done, total: total, etaSeconds: nil))
        }
        return PolicyEvaluation(task: name, observe: observe, firstSeed: firstSeed, successes: summary.successes,
                                episodes: summary.episodes, wilsonLow: summary.wilsonLow, wilsonHigh: summary.wilsonHigh,
                                meanTaskScore: summary.meanMaximumCoverage, robotSeconds: summary.robotSeconds,
                                wallSeconds: summary.wallSeconds, failedSeeds: Array(summary.failedSeeds.prefix(50)),
                                inputFailures: summary.abortedEpisodes ?? 0, firstInputFailure: summary.firstAbort)
    }
}
