import Enpire
import EnpireLearning
public import EnpireSim
public import Foundation
import Synchronization

/// One simulated episode as the learning loop drives it. Implementations own a (non-`Sendable`) simulation,
/// a renderer for the `camera` mode, the task's policy-input source and the expert teacher.
protocol ImitationEpisode: AnyObject {
    /// The policy input for the current step, built only from what the observation mode allows.
    func policyInput() throws -> [Float]
    /// The expert's command for the current (learner- or expert-visited) state in the policy's output space;
    /// the teacher may read the simulator's exact state. Advances the teacher's own phase: call once per step.
    func teacherOutput() -> [Float]
    /// Executes one control period from a policy output.
    func apply(_ output: [Float]) throws
    /// Whether the ground truth judges the episode a success now.
    var succeeded: Bool { get }
    /// The ground-truth task score now (0...1).
    var taskScore: Double { get }
}

/// Who acts in a rollout.
enum RolloutActor: Sendable {
    /// The expert acts; its outputs are the labels (demonstrations).
    case teacher
    /// The learner acts; the expert labels every visited state (DAgger).
    case learnerLabelled(any TaskPolicy)
    /// The learner acts; no labels (evaluation).
    case learner(any TaskPolicy)
}

/// What one rollout produced.
struct RolloutResult: Sendable {
    var seed: UInt64
    var success: Bool
    var bestScore: Double
    var steps: Int
    var rows: [(input: [Float], output: [Float])]
    var error: String?
}

/// Runs rollouts on worker threads and the BC / DAgger stages shared by the learnable tasks.
struct ImitationLoop: Sendable {
    /// Task name (sidecar, errors).
    var task: String
    /// Names of the policy input entries.
    var inputNames: [String]
    /// Names of the policy output entries.
    var outputNames: [String]
    /// Control steps per episode.
    var maxSteps: Int
    /// Seconds per control step.
    var periodSeconds: Double
    /// Builds an episode for a seed and observation mode (called on a worker thread).
    var makeEpisode: @Sendable (UInt64, ObservationMode) -> any ImitationEpisode
    /// An episode living in a reality (nil: the task has no perturbation model).
    var makeRealityEpisode: (@Sendable (UInt64, ObservationMode, TaskReality) -> any ImitationEpisode)?
    /// Loads the task's reality preset or file.
    var loadReality: (@Sendable (String) throws(PushTRealityError) -> TaskReality)?
    /// The station-measured reward of `residual-sac` (nil: the task has no residual paradigm).
    var stationReward: (@Sendable () -> any StationReward)? = nil
    /// What ``stationReward`` computes (sidecar, docs).
    var stationRewardDescription = ""
    /// The station and action map of `station-residual-sac` (nil: the task has no station RL paradigm).
    var residualStation: ResidualStationSetup? = nil

    /// One rollout until success or the step budget.
    func rollout(seed: UInt64, observe: ObservationMode, actor: RolloutActor) -> RolloutResult {
        let episode = makeEpisode(seed, observe)
        var rows: [(input: [Float], output: [Float])] = []
        var best = 0.0
        for step in 1...maxSteps {
            do {
                let input = try episode.policyInput()
                let output: [Float]
                switch actor {
                case .teacher:
                    output = episode.teacherOutput()
                    rows.append((input, output))
                case .learnerLabelled(let model):
                    rows.append((input, episode.teacherOutput()))
                    output = try model.predict(input)
                case .learner(let model):
                    output = try model.predict(input)
                }
                try episode.apply(output)
            } catch {
                return RolloutResult(seed: seed, success: false, bestScore: best, steps: step, rows: rows,
                                     error: "\(error)")
            }
            best = max(best, episode.taskScore)
            if episode.succeeded {
                return RolloutResult(seed: seed, success: true, bestScore: 1, steps: step, rows: rows, error: nil)
            }
        }
        return RolloutResult(seed: seed, success: false, bestScore: best, steps: maxSteps, rows: rows, error: nil)
    }

    /// Rollouts for every seed on `workers` threads, in seed order; `finished` is called after each one.
    func rollouts(seeds: [UInt64], observe: ObservationMode, actor: RolloutActor, workers: Int,
                  finished: @Sendable () -> Void) -> [RolloutResult] {
        ParallelEpisodes.run(count: seeds.count, workers: workers) { index in
            let result = rollout(seed: seeds[index], observe: observe, actor: actor)
            finished()
            return result
        }
    }

    /// Training seeds of a run: far from the development (900 000…) and held-out (5 000 000…) ranges.
    static func trainingSeeds(runSeed: UInt64, stage: Int, count: Int) -> [UInt64] {
        (0..<UInt64(count)).map { (runSeed << 32) | (UInt64(stage) * 1_000_000 + $0) }
    }

    /// Behaviour cloning (`bc`: three warm-started training stages on the demonstrations) or DAgger (`dagger`:
    /// BC, then `daggerRounds` rounds of learner rollouts relabelled by the expert), choosing the stage with
    /// the best development success (ties: the later stage). Writes the checkpoint, `learning-curve.json`,
    /// `learning-curve.csv` and `learn-summary.json` into `options.output`.
    func learn(_ options: LearnOptions, progress: @escaping @Sendable (LearnProgress) -> Void) async throws
        -> LearnSummary {
        try options.validate(paradigms: ["bc", "dagger"])
        let start = Date()
        let dagger = options.paradigm == "dagger"
        let stages = dagger ? 1 + options.daggerRounds : 3
        let total = options.demonstrations + stages * (options.epochs + options.devSeeds)
            + (dagger ? options.daggerRounds * options.episodesPerRound : 0)
        let ticker = ProgressTicker(total: total, phase: "demonstrations", report: progress)
        let tick: @Sendable () -> Void = { ticker.tick() }
        var data = ImitationData()
        var robotSeconds = 0.0
        let demos = rollouts(seeds: Self.trainingSeeds(runSeed: options.seed, stage: 0, count: options.demonstrations),
                             observe: options.observe, actor: .teacher, workers: options.workers, finished: tick)
        for result in demos where result.error == nil { data.append(episode: result.rows) }
        robotSeconds += Double(demos.map(\.steps).reduce(0, +)) * periodSeconds
        let teacherSuccesses = demos.filter(\.success).count
        guard data.count > 0 else {
            throw LearningError.observation("no demonstration produced a row: "
                + (demos.compactMap(\.error).first ?? "unknown"))
        }
        let fitter = try ImitationFitter(inputs: inputNames.count, outputs: outputNames.count,
                                         hiddenWidths: options.hiddenWidths, learningRate: options.learningRate,
                                         batchSize: options.batchSize, seed: options.seed)
        let devSeeds = options.developmentSeeds
        var curve: [LearningCurvePoint] = []
        var best: (model: ImitationModel, successes: Int)?
        var current: ImitationModel?
        for stage in 0..<stages {
            if stage > 0, dagger, let learner = current {
                ticker.enter("dagger round \(stage) rollouts")
                let seeds = Self.trainingSeeds(runSeed: options.seed, stage: stage, count: options.episodesPerRound)
                let results = rollouts(seeds: seeds, observe: options.observe, actor: .learnerLabelled(learner),
                                       workers: options.workers, finished: tick)
                for result in results { data.append(episode: result.rows) }
                robotSeconds += Double(results.map(\.steps).reduce(0, +)) * periodSeconds
            }
            let name = dagger ? (stage == 0 ? "bc" : "dagger round \(stage)") : "bc stage \(stage + 1)"
            ticker.enter("\(name) training")
            let validation = try fitter.fit(data, epochs: options.epochs) { _ in tick() }
            var model = try fitter.snapshot(task: task, observe: options.observe, inputNames: inputNames,
                                            outputNames: outputNames, stage: name, devSuccesses: 0,
                                            devEpisodes: devSeeds.count, rows: data.count)
            ticker.enter("\(name) dev evaluation")
            let dev = rollouts(seeds: devSeeds, observe: options.observe, actor: .learner(model),
                               workers: options.workers, finished: tick)
            robotSeconds += Double(dev.map(\.steps).reduce(0, +)) * periodSeconds
            let successes = dev.filter(\.success).count
            model = try fitter.snapshot(task: task, observe: options.observe, inputNames: inputNames,
                                        outputNames: outputNames, stage: name, devSuccesses: successes,
                                        devEpisodes: devSeeds.count, rows: data.count)
            current = model
            curve.append(LearningCurvePoint(stage: name, wallSeconds: Date().timeIntervalSince(start),
                                            robotSeconds: robotSeconds, rows: data.count, devSuccesses: successes,
                                            devEpisodes: devSeeds.count, validationMSE: validation))
            if successes >= (best?.successes ?? -1) { best = (model, successes) }
        }
        guard let chosen = best else { throw LearningError.invalidOption("no training stage ran") }
        try chosen.model.save(to: options.output)
        let summary = LearnSummary(
            task: task, paradigm: options.paradigm, observe: options.observe, checkpoint: options.output,
            chosenStage: chosen.model.info.stage, trainingWallSeconds: Date().timeIntervalSince(start),
            robotSeconds: robotSeconds, devSuccesses: chosen.successes, devEpisodes: devSeeds.count,
            teacherSuccesses: teacherSuccesses, curve: curve)
        try Self.writeCurve(summary, to: options.output)
        return summary
    }

    /// Scores a checkpoint on explicit seeds with the ground truth.
    func evaluate(policyDirectory: URL, firstSeed: UInt64, episodes: Int, observe: ObservationMode, workers: Int,
                  progress: @escaping @Sendable (LearnProgress) -> Void) async throws -> PolicyEvaluation {
        guard episodes >= 1 else { throw LearningError.invalidOption("episodes must be ≥ 1, got \(episodes)") }
        guard (1...64).contains(workers) else {
            throw LearningError.invalidOption("workers must be 1...64, got \(workers)")
        }
        let model = try TaskPolicies.load(from: policyDirectory, task: task)
        guard model.inputNames == inputNames, model.outputNames == outputNames else {
            throw LearningError.checkpoint("\(policyDirectory.path) was trained with another input or output layout "
                + "(\(model.inputNames.count) inputs); retrain it with this version")
        }
        let start = Date()
        let done = Atomic<Int>(0)
        let seeds = (0..<UInt64(episodes)).map { firstSeed + $0 }
        let results = rollouts(seeds: seeds, observe: observe, actor: .learner(model), workers: workers) {
            let finished = done.add(1, ordering: .relaxed).newValue
            let elapsed = Date().timeIntervalSince(start)
            progress(LearnProgress(phase: "evaluation", done: finished, total: episodes,
                                   etaSeconds: elapsed / Double(finished) * Double(episodes - finished)))
        }
        let successes = results.filter(\.success).count
        let interval = try WilsonInterval(successes: successes, trials: results.count)
        return PolicyEvaluation(
            task: task, observe: observe, firstSeed: firstSeed, successes: successes, episodes: results.count,
            wilsonLow: interval.lower, wilsonHigh: interval.upper,
            meanTaskScore: results.map(\.bestScore).reduce(0, +) / Double(max(results.count, 1)),
            robotSeconds: Double(results.map(\.steps).reduce(0, +)) * periodSeconds,
            wallSeconds: Date().timeIntervalSince(start),
            failedSeeds: Array(results.filter { !$0.success }.map(\.seed).prefix(50)),
            inputFailures: results.filter { $0.error != nil }.count, firstInputFailure: results.compactMap(\.error).first)
    }

    static func writeCurve(_ summary: LearnSummary, to directory: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(summary.curve).write(to: directory.appendingPathComponent("learning-curve.json"))
        try encoder.encode(summary).write(to: directory.appendingPathComponent("learn-summary.json"))
        var csv = "stage,wall_seconds,robot_seconds,rows,dev_successes,dev_episodes,validation_mse\n"
        for point in summary.curve {
            csv += "\(point.stage),\(String(format: "%.2f", point.wallSeconds)),"
                + "\(String(format: "%.1f", point.robotSeconds)),\(point.rows),\(point.devSuccesses),"
                + "\(point.devEpisodes),\(point.validationMSE.map { String(format: "%.6g", $0) } ?? "")\n"
        }
        try Data(csv.utf8).write(to: directory.appendingPathComponent("learning-curve.csv"))
    }
}

/// A simulated task that learns by imitating its expert: ``pinInsertion`` and ``zipTie``. Learning and scoring
/// run headless episodes of the task's simulation with its camera renderer, policy-input source and teacher.
public struct ImitationTask: LearnableTask {
    let loop: ImitationLoop
    /// The departures from the clean simulator ``evaluate(policyDirectory:firstSeed:episodes:observe:workers:progress:)``
    /// scores in (nil: clean); each episode draws its own from its seed.
    public var reality: TaskReality?

    /// The task's preset by name or a reality file by path.
    ///
    /// - Throws: `PushTRealityError` when it is neither, or when the task has no perturbation model.
    public func loadReality(_ nameOrPath: String) throws(PushTRealityError) -> TaskReality {
        guard let load = loop.loadReality else { throw .unknown("task \(name) has no perturbation model") }
        return try load(nameOrPath)
    }

    /// The task's name (`pin-insertion`, `ziptie`).
    public var name: String { loop.task }

    /// `bc`, `dagger` and, for tasks with a station-measured reward (pin insertion), `residual-sac` and
    /// `station-residual-sac` (the same residual trained through a simulated `Station`).
    public var paradigms: [String] {
        ["bc", "dagger"] + (loop.stationReward == nil ? [] : ["residual-sac"])
            + (loop.residualStation == nil ? [] : ["station-residual-sac"])
    }

    /// Learns a policy (see ``LearnOptions``).
    public func learn(_ options: LearnOptions, progress: @escaping @Sendable (LearnProgress) -> Void) async throws
        -> LearnSummary {
        if options.paradigm == "residual-sac" {
            guard loop.stationReward != nil else {
                throw LearningError.invalidOption("paradigm residual-sac is not available for \(name) (no "
                    + "station-measured reward yet); use one of \(paradigms.joined(separator: ", "))")
            }
            return try await loop.learnResidual(options, progress: progress)
        }
        if options.paradigm == "station-residual-sac" {
            guard let setup = loop.residualStation else {
                throw LearningError.invalidOption("paradigm station-residual-sac is not available for \(name); use one "
                    + "of \(paradigms.joined(separator: ", "))")
            }
            guard options.observe == .camera else {
                throw LearningError.invalidOption("station-residual-sac acts on the station's camera: pass --observe camera")
            }
            return try await loop.learnStationResidual(options, setup: setup, progress: progress)
        }
        return try await loop.learn(options, progress: progress)
    }

    /// Scores a checkpoint on seeds `firstSeed ..< firstSeed + episodes` (ground-truth success).
    public func evaluate(policyDirectory: URL, firstSeed: UInt64, episodes: Int, observe: ObservationMode,
                         workers: Int, progress: @escaping @Sendable (LearnProgress) -> Void) async throws
        -> PolicyEvaluation {
        var loop = self.loop
        if let reality, !reality.isClean, let make = loop.makeRealityEpisode {
            loop.makeEpisode = { seed, mode in make(seed, mode, reality) }
        }
        return try await loop.evaluate(policyDirectory: policyDirectory, firstSeed: firstSeed, episodes: episodes,
                                       observe: observe, workers: workers, progress: progress)
    }
}
