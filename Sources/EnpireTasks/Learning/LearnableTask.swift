public import Foundation

/// Where a learned policy's input comes from.
///
/// `camera` is what a real station has: object estimates computed from the station's own rendered, noisy camera
/// frames, the arms' proprioception and force where the arm measures it. `state` reads the simulator's exact
/// state and is **privileged**: results with it are labelled so wherever they are reported.
public enum ObservationMode: String, Sendable, Codable, CaseIterable {
    /// Estimates from camera frames plus proprioception (what a real station gives the policy).
    case camera
    /// The simulator's exact object state plus proprioception (privileged; for comparison only).
    case state

    /// Whether a policy reading this mode uses privileged information.
    public var isPrivileged: Bool { self == .state }
}

/// The recipe of one `enpire learn` run.
public struct LearnOptions: Sendable, Codable, Equatable {
    /// `bc` (behaviour cloning on expert demonstrations), `dagger` (BC, then rounds of learner rollouts
    /// relabelled by the expert), `residual-sac` (a bounded SAC residual over a `bc`/`dagger` checkpoint,
    /// ``base``) or `station-residual-sac` (the same residual trained through a simulated `Station`).
    public var paradigm: String
    /// What the policy reads.
    public var observe: ObservationMode
    /// Directory the checkpoint (`policy.safetensors` + `policy.json`) and learning curve are written to.
    public var output: URL
    /// Expert demonstration episodes (seeds `seed * 1_000_000 + 0 ..< demonstrations`).
    public var demonstrations: Int
    /// Passes over the aggregated data per training stage.
    public var epochs: Int
    /// Seed of initialisation, shuffling and the training seeds.
    public var seed: UInt64
    /// DAgger rounds after the initial behaviour cloning (ignored for `bc`).
    public var daggerRounds: Int
    /// Learner episodes rolled out (and relabelled by the expert) per DAgger round.
    public var episodesPerRound: Int
    /// First development seed: checkpoints are chosen by rollout success on `devSeeds` seeds from here.
    public var firstDevSeed: UInt64
    /// Development episodes per checkpoint choice.
    public var devSeeds: Int
    /// Hidden layer widths of the policy MLP.
    public var hiddenWidths: [Int]
    /// Adam learning rate.
    public var learningRate: Float
    /// Rows per gradient step.
    public var batchSize: Int
    /// Threads for rollouts.
    public var workers: Int
    /// `residual-sac` and `station-residual-sac` only: the base checkpoint directory (written by a `bc` or `dagger` run of the same task).
    public var base: URL?
    /// Residual paradigms only: bound of the residual per output entry, as a fraction of the base's output standard
    /// deviation on its training rows.
    public var residualScale: Float
    /// Residual paradigms only: SAC critic updates per environment step (update-to-data ratio).
    public var updatesPerStep: Int

    /// Creates options with the defaults used for the measured figures in Docs/Learning.md.
    public init(paradigm: String = "dagger", observe: ObservationMode = .camera, output: URL,
                demonstrations: Int = 100, epochs: Int = 30, seed: UInt64 = 1, daggerRounds: Int = 4,
                episodesPerRound: Int = 50, firstDevSeed: UInt64 = 900_000, devSeeds: Int = 40,
                hiddenWidths: [Int] = [128, 128], learningRate: Float = 1e-3, batchSize: Int = 256,
                workers: Int = 2, base: URL? = nil, residualScale: Float = 0.2, updatesPerStep: Int = 2) {
        self.paradigm = paradigm
        self.observe = observe
        self.output = output
        self.demonstrations = demonstrations
        self.epochs = epochs
        self.seed = seed
        self.daggerRounds = daggerRounds
        self.episodesPerRound = episodesPerRound
        self.firstDevSeed = firstDevSeed
        self.devSeeds = devSeeds
        self.hiddenWidths = hiddenWidths
        self.learningRate = learningRate
        self.batchSize = batchSize
        self.workers = workers
        self.base = base
        self.residualScale = residualScale
        self.updatesPerStep = updatesPerStep
    }

    /// Checks every value a user can set.
    ///
    /// - Throws: ``LearningError/invalidOption(_:)`` naming the value and what to use instead.
    public func validate(paradigms: [String]) throws(LearningError) {
        guard paradigms.contains(paradigm) else {
            throw .invalidOption("paradigm \"\(paradigm)\" is not known; use one of \(paradigms.joined(separator: ", "))")
        }
        guard demonstrations >= 1 else { throw .invalidOption("demonstrations must be ≥ 1, got \(demonstrations)") }
        guard epochs >= 1 else { throw .invalidOption("epochs must be ≥ 1, got \(epochs)") }
        guard daggerRounds >= 0 else { throw .invalidOption("dagger rounds must be ≥ 0, got \(daggerRounds)") }
        guard episodesPerRound >= 1 else {
            throw .invalidOption("episodes per round must be ≥ 1, got \(episodesPerRound)")
        }
        guard devSeeds >= 1 else { throw .invalidOption("dev seeds must be ≥ 1, got \(devSeeds)") }
        guard !hiddenWidths.isEmpty, hiddenWidths.allSatisfy({ (1...4096).contains($0) }) else {
            throw .invalidOption("hidden widths must be 1...4096 each, got \(hiddenWidths)")
        }
        guard learningRate.isFinite, learningRate > 0 else {
            throw .invalidOption("learning rate must be > 0, got \(learningRate)")
        }
        guard batchSize >= 1 else { throw .invalidOption("batch size must be ≥ 1, got \(batchSize)") }
        guard (1...64).contains(workers) else { throw .invalidOption("workers must be 1...64, got \(workers)") }
        guard residualScale.isFinite, residualScale > 0, residualScale <= 10 else {
            throw .invalidOption("residual scale must be in (0, 10] (fraction of the base's output std), got \(residualScale)")
        }
        guard (1...64).contains(updatesPerStep) else {
            throw .invalidOption("updates per step must be 1...64, got \(updatesPerStep)")
        }
    }

    /// Seeds `firstDevSeed ..< firstDevSeed + devSeeds`: every stage of a run is scored on the same episodes.
    var developmentSeeds: [UInt64] { (0..<UInt64(devSeeds)).map { firstDevSeed + $0 } }
}

/// Progress of a learning run or an evaluation, reported after each unit of work.
public struct LearnProgress: Sendable, Codable, Equatable {
    /// What is running (`demonstrations`, `training`, `dagger round 2`, `dev evaluation`, `evaluation`).
    public var phase: String
    /// Units done in the whole run.
    public var done: Int
    /// Units in the whole run.
    public var total: Int
    /// Estimated seconds left (nil until something was timed).
    public var etaSeconds: Double?

    /// Creates a progress report.
    public init(phase: String, done: Int, total: Int, etaSeconds: Double?) {
        self.phase = phase
        self.done = done
        self.total = total
        self.etaSeconds = etaSeconds
    }
}

/// One point of a learning curve: development success after a training stage.
public struct LearningCurvePoint: Sendable, Codable, Equatable {
    /// Stage name (`bc epoch 10`, `dagger round 3`).
    public var stage: String
    /// Wall-clock seconds since the run started.
    public var wallSeconds: Double
    /// Simulated robot seconds spent so far (demonstrations, learner rollouts and development rollouts).
    public var robotSeconds: Double
    /// Training rows aggregated so far.
    public var rows: Int
    /// Development successes of this stage's weights.
    public var devSuccesses: Int
    /// Development episodes.
    public var devEpisodes: Int
    /// Held-out validation MSE (episode split) in the policy's output units.
    public var validationMSE: Double?

    /// Creates a point.
    public init(stage: String, wallSeconds: Double, robotSeconds: Double, rows: Int, devSuccesses: Int,
                devEpisodes: Int, validationMSE: Double?) {
        self.stage = stage
        self.wallSeconds = wallSeconds
        self.robotSeconds = robotSeconds
        self.rows = rows
        self.devSuccesses = devSuccesses
        self.devEpisodes = devEpisodes
        self.validationMSE = validationMSE
    }

    /// Development success rate.
    public var devSuccessRate: Double { devEpisodes == 0 ? 0 : Double(devSuccesses) / Double(devEpisodes) }
}

/// What a learning run produced.
public struct LearnSummary: Sendable, Codable, Equatable {
    /// Task name.
    public var task: String
    /// Paradigm run.
    public var paradigm: String
    /// What the policy reads.
    public var observe: ObservationMode
    /// Whether the policy's input is privileged (`observe == .state`).
    public var privileged: Bool
    /// The checkpoint directory (the stage with the best development success).
    public var checkpoint: URL
    /// Stage the checkpoint comes from.
    public var chosenStage: String
    /// Wall-clock seconds of the whole run.
    public var trainingWallSeconds: Double
    /// Simulated robot seconds of the whole run.
    public var robotSeconds: Double
    /// Development successes of the chosen checkpoint.
    public var devSuccesses: Int
    /// Development episodes.
    public var devEpisodes: Int
    /// Expert demonstrations' success on their own seeds (the teacher's quality).
    public var teacherSuccesses: Int
    /// Every stage's development success.
    public var curve: [LearningCurvePoint]

    /// Creates a summary.
    public init(task: String, paradigm: String, observe: ObservationMode, checkpoint: URL, chosenStage: String,
                trainingWallSeconds: Double, robotSeconds: Double, devSuccesses: Int, devEpisodes: Int,
                teacherSuccesses: Int, curve: [LearningCurvePoint]) {
        self.task = task
        self.paradigm = paradigm
        self.observe = observe
        privileged = observe.isPrivileged
        self.checkpoint = checkpoint
        self.chosenStage = chosenStage
        self.trainingWallSeconds = trainingWallSeconds
        self.robotSeconds = robotSeconds
        self.devSuccesses = devSuccesses
        self.devEpisodes = devEpisodes
        self.teacherSuccesses = teacherSuccesses
        self.curve = curve
    }
}

/// A checkpoint scored on explicit seeds.
public struct PolicyEvaluation: Sendable, Codable, Equatable {
    /// Task name.
    public var task: String
    /// What the policy read.
    public var observe: ObservationMode
    /// Whether the policy's input was privileged (`observe == .state`).
    public var privileged: Bool
    /// First seed scored.
    public var firstSeed: UInt64
    /// Ground-truth successes.
    public var successes: Int
    /// Episodes run.
    public var episodes: Int
    /// Lower end of the Wilson 95 % interval of the success rate.
    public var wilsonLow: Double
    /// Upper end of the Wilson 95 % interval.
    public var wilsonHigh: Double
    /// Mean of the episodes' best task score (pin: depth fraction; zip-tie: ground-truth reward score).
    public var meanTaskScore: Double
    /// Simulated robot seconds of all episodes.
    public var robotSeconds: Double
    /// Wall-clock seconds of the evaluation.
    public var wallSeconds: Double
    /// Seeds whose episode failed (at most the first 50).
    public var failedSeeds: [UInt64]
    /// Failed episodes that ended because the policy input could not be built (for `camera`: the frames never
    /// showed what the estimator needs), with the first such message.
    public var inputFailures: Int
    /// The first input failure's message, if any.
    public var firstInputFailure: String?

    /// Creates an evaluation record.
    public init(task: String, observe: ObservationMode, firstSeed: UInt64, successes: Int, episodes: Int,
                wilsonLow: Double, wilsonHigh: Double, meanTaskScore: Double, robotSeconds: Double,
                wallSeconds: Double, failedSeeds: [UInt64], inputFailures: Int = 0, firstInputFailure: String? = nil) {
        self.task = task
        self.observe = observe
        privileged = observe.isPrivileged
        self.firstSeed = firstSeed
        self.successes = successes
        self.episodes = episodes
        self.wilsonLow = wilsonLow
        self.wilsonHigh = wilsonHigh
        self.meanTaskScore = meanTaskScore
        self.robotSeconds = robotSeconds
        self.wallSeconds = wallSeconds
        self.failedSeeds = failedSeeds
        self.inputFailures = inputFailures
        self.firstInputFailure = firstInputFailure
    }
}

/// A simulated task that can learn a policy from its expert and score a checkpoint on explicit seeds.
public protocol LearnableTask: Sendable {
    /// The task's name on the command line (`pin-insertion`, `ziptie`).
    var name: String { get }
    /// Paradigms ``learn(_:progress:)`` accepts.
    var paradigms: [String] { get }
    /// Learns a policy and writes its checkpoint and learning curve into `options.output`.
    func learn(_ options: LearnOptions, progress: @escaping @Sendable (LearnProgress) -> Void) async throws
        -> LearnSummary
    /// Scores the checkpoint in `policyDirectory` on seeds `firstSeed ..< firstSeed + episodes` with the
    /// simulator's ground truth.
    func evaluate(policyDirectory: URL, firstSeed: UInt64, episodes: Int, observe: ObservationMode, workers: Int,
                  progress: @escaping @Sendable (LearnProgress) -> Void) async throws -> PolicyEvaluation
}

/// The tasks `enpire learn` and `enpire policy eval` know.
public enum LearnableTasks {
    /// Every registered task.
    public static let all: [any LearnableTask] = [PushTLearnableTask(), ImitationTask.pinInsertion, ImitationTask.zipTie]

    /// The task called `name`.
    ///
    /// - Throws: ``LearningError/unknownTask(_:known:)`` listing the known names.
    public static func named(_ name: String) throws(LearningError) -> any LearnableTask {
        guard let task = all.first(where: { $0.name == name }) else {
            throw .unknownTask(name, known: all.map(\.name))
        }
        return task
    }
}

/// Why a learning run or a policy evaluation could not proceed.
public enum LearningError: Error, CustomStringConvertible, Equatable {
    /// No task has this name.
    case unknownTask(String, known: [String])
    /// An option is out of range.
    case invalidOption(String)
    /// A checkpoint directory is missing, unreadable or for another task or observation.
    case checkpoint(String)
    /// The observation lacks what the policy input needs (a camera frame, an arm, a feature).
    case observation(String)

    /// A message a user can act on.
    public var description: String {
        switch self {
        case .unknownTask(let name, let known):
            "no learnable task \"\(name)\"; use one of \(known.joined(separator: ", "))"
        case .invalidOption(let message): "invalid learning option: \(message)"
        case .checkpoint(let message): "cannot use the checkpoint: \(message)"
        case .observation(let message): "cannot build the policy input: \(message)"
        }
    }
}
