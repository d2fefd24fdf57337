import Enpire
import EnpireLearning
import Foundation
import Synchronization

/// A task's residual-RL reward, computed from the policy input before and after a control step (what the
/// station measures), never from the simulator's exact state.
protocol StationReward {
    /// Forgets per-episode state (a new episode).
    mutating func reset()
    /// The reward of the step from `previous` to `next` and whether the station judges the task done.
    mutating func step(previous: [Float], next: [Float]) -> (reward: Float, success: Bool)
}

/// An episode that can run its task's robot reset, so that robot time counts resets.
protocol RobotResettableEpisode: ImitationEpisode {
    /// Runs the reset motion after the episode; returns the control steps it took.
    func robotReset() -> Int
}

/// A learning run's progress counter: units done, the current phase and an ETA from the mean time per unit.
final class ProgressTicker: Sendable {
    private let start = Date()
    private let total: Int
    private let done = Atomic<Int>(0)
    private let phase: Mutex<String>
    private let report: @Sendable (LearnProgress) -> Void

    init(total: Int, phase: String, report: @escaping @Sendable (LearnProgress) -> Void) {
        self.total = total
        self.phase = Mutex(phase)
        self.report = report
    }

    /// Sets the phase named in later reports.
    func enter(_ name: String) { phase.withLock { $0 = name } }

    /// One unit done.
    func tick() {
        let finished = done.add(1, ordering: .relaxed).newValue
        let elapsed = Date().timeIntervalSince(start)
        let eta = finished > 0 ? elapsed / Double(finished) * Double(max(total - finished, 0)) : nil
        report(LearnProgress(phase: phase.withLock { $0 }, done: finished, total: total, etaSeconds: eta))
    }
}

/// Who acts in a residual-RL rollout.
enum ResidualRolloutActor: Sendable {
    /// The expert's label projected into the residual's reach (`base + scale·clamp((label − base)/scale)`):
    /// the demonstrations seeding the RLPD demonstration buffer.
    case teacher
    /// The base plus a residual sampled from the newest snapshot in the mailbox (exploration).
    case explore(PolicyMailbox)
    /// A fixed policy, deterministic, ending at ground-truth success like `enpire policy eval` (development).
    case policy(any TaskPolicy)
}

/// What one residual-RL rollout produced.
struct ResidualRolloutResult: Sendable {
    var seed: UInt64
    /// Ground-truth success (for reporting only; the learner never sees it).
    var success: Bool
    /// The station's own success judgement (the reward's terminal).
    var stationSuccess: Bool
    var steps: Int
    var resetSteps: Int
    var transitions: [Transition]
    var error: String?
}

extension ImitationLoop {
    /// One rollout for residual RL: transitions `(actor observation, residual action in [−1, 1], station reward,
    /// next actor observation, station success)`, then the task's robot reset.
    func residualRollout(seed: UInt64, observe: ObservationMode, base: ImitationModel, scale: [Float],
                         actor: ResidualRolloutActor) -> ResidualRolloutResult {
        let episode = makeEpisode(seed, observe)
        var reward = stationReward?()
        reward?.reset()
        var result = ResidualRolloutResult(seed: seed, success: false, stationSuccess: false, steps: 0, resetSteps: 0,
                                           transitions: [], error: nil)
        var acting: SnapshotActor?
        if case .explore(let mailbox) = actor { acting = SnapshotActor(mailbox: mailbox, seed: seed ^ 0x5AC0_11) }
        let width = scale.count
        do {
            var input = try episode.policyInput()
            var baseOutput = try base.predict(input)
            var observation = ResidualPolicy.actorObservation(input: input, baseOutput: baseOutput, base: base.info)
            for step in 1...maxSteps {
                result.steps = step
                var action: [Float] = []
                let output: [Float]
                switch actor {
                case .teacher:
                    let label = episode.teacherOutput()
                    action = (0..<width).map { j in
                        scale[j] > 0 ? min(max((label[j] - baseOutput[j]) / scale[j], -0.999), 0.999) : 0
                    }
                    output = (0..<width).map { baseOutput[$0] + scale[$0] * action[$0] }
                case .explore:
                    action = try acting?.act(observation, actionWidth: width) ?? [Float](repeating: 0, count: width)
                    output = (0..<width).map { baseOutput[$0] + scale[$0] * action[$0] }
                case .policy(let policy):
                    output = try policy.predict(input)
                }
                try episode.apply(output)
                if episode.succeeded { result.success = true }
                if case .policy = actor {
                    if result.success { break }
                    input = try episode.policyInput()
                    continue
                }
                let nextInput = try episode.policyInput()
                let nextBase = try base.predict(nextInput)
                let nextObservation = ResidualPolicy.actorObservation(input: nextInput, baseOutput: nextBase,
                                                                      base: base.info)
                let (value, done) = reward?.step(previous: input, next: nextInput) ?? (0, false)
                result.transitions.append(Transition(observation: observation, action: action, reward: value,
                                                     nextObservation: nextObservation, terminal: done))
                if done {
                    result.stationSuccess = true
                    break
                }
                (input, baseOutput, observation) = (nextInput, nextBase, nextObservation)
            }
        } catch {
            result.error = "\(error)"
        }
        if let resettable = episode as? any RobotResettableEpisode { result.resetSteps = resettable.robotReset() }
        return result
    }

    /// The SAC recipe of the residual paradigms: `--hidden` widths, discount 0.98, batch `--batch-size` (≤ 256),
    /// `--utd` critic updates per step, α from 0.01, `--seed`.
    static func residualSACConfiguration(_ options: LearnOptions) -> SACConfiguration {
        var configuration = SACConfiguration()
        configuration.actorHiddenWidths = options.hiddenWidths
        configuration.criticHiddenWidths = options.hiddenWidths
        configuration.discount = 0.98
        configuration.batchSize = max(2, min(options.batchSize, 256))
        configuration.updatesPerStep = options.updatesPerStep
        configuration.initialTemperature = 0.01
        configuration.seed = options.seed
        return configuration
    }

    /// What both residual paradigms start from: the checked `--base` checkpoint and its folder, the residual's
    /// per-output reach (`--residual-scale` × the base's output spread), and a SAC learner over `[base input, base
    /// output]` whose actor starts near zero (round 0 is the base).
    func residualStart(_ options: LearnOptions) throws
        -> (base: ImitationModel, baseURL: URL, scale: [Float], sac: SoftActorCritic) {
        let (base, baseURL) = try residualBase(options)
        let width = outputNames.count
        let scale = (0..<width).map { options.residualScale * base.info.outputNormalizer.scale[$0] }
        let sac = try SoftActorCritic(observationWidth: inputNames.count + width, actionWidth: width,
                                      configuration: Self.residualSACConfiguration(options))
        sac.initialiseActorOutput(meanScale: 0.01, logStandardDeviation: -1)
        return (base, baseURL, scale, sac)
    }

    /// The `--base` checkpoint of a residual paradigm, checked: present, not itself a residual, of this task's
    /// input/output layout and observation mode.
    func residualBase(_ options: LearnOptions) throws -> (ImitationModel, URL) {
        guard let baseURL = options.base else {
            throw LearningError.invalidOption("\(options.paradigm) needs --base DIR: a checkpoint written by `enpire learn "
                + "--task \(task) --paradigm bc` (or dagger)")
        }
        if FileManager.default.fileExists(atPath: baseURL.appendingPathComponent(ResidualPolicy.sidecarFileName).path) {
            throw LearningError.checkpoint("\(baseURL.path) is a residual-sac checkpoint; pass the bc or dagger "
                + "checkpoint (for example its \(ResidualPolicy.baseDirectoryName)/ subdirectory)")
        }
        let base = try ImitationModel.load(from: baseURL, task: task)
        guard base.info.inputNames == inputNames, base.info.outputNames == outputNames else {
            throw LearningError.checkpoint("\(baseURL.path) was trained with another input or output layout; "
                + "retrain the base with this version")
        }
        guard base.info.observe == options.observe else {
            throw LearningError.checkpoint("\(baseURL.path) reads --observe \(base.info.observe.rawValue); pass "
                + "--observe \(base.info.observe.rawValue) or train a base with --observe \(options.observe.rawValue)")
        }
        return (base, baseURL)
    }

    /// Residual RL (`residual-sac`): loads the `bc`/`dagger` checkpoint `options.base`, seeds an RLPD
    /// demonstration buffer with `options.demonstrations` expert episodes projected into the residual's reach,
    /// scores the base alone on the development seeds, then runs `options.daggerRounds` rounds of
    /// `options.episodesPerRound` exploring episodes (2 worker threads acting with the newest actor snapshot
    /// from a ``PolicyMailbox``), each transition followed by one SAC update of `options.updatesPerStep` critic
    /// steps on half-demonstration, half-online batches, and a development evaluation of the deterministic
    /// residual policy. The round with the most development successes (ties: the later) is saved as a
    /// ``ResidualPolicy`` in `options.output`; every round's policy is also saved in `rounds/round-N/` (for
    /// held-out curves). Robot time counts every simulated episode second and every robot reset.
    func learnResidual(_ options: LearnOptions, progress: @escaping @Sendable (LearnProgress) -> Void) async throws
        -> LearnSummary {
        try options.validate(paradigms: ["residual-sac"])
        guard stationReward != nil else {
            throw LearningError.invalidOption("paradigm residual-sac is not available for \(task)")
        }
        let (base, baseURL, scale, learner) = try residualStart(options)
        let configuration = learner.configuration
        let start = Date()
        let width = outputNames.count
        let actorSpecification = learner.snapshot().specification
        let rounds = max(options.daggerRounds, 1)
        let ticker = ProgressTicker(
            total: options.demonstrations + options.devSeeds * (rounds + 1) + 2 * rounds * options.episodesPerRound,
            phase: "demonstrations", report: progress)
        var robotSeconds = 0.0, resetSeconds = 0.0
        var split = ResidualRobotTime()
        func account(_ results: [ResidualRolloutResult], _ actor: ResidualRolloutActor) {
            let seconds = Double(results.map { $0.steps + $0.resetSteps }.reduce(0, +)) * periodSeconds
            robotSeconds += seconds
            resetSeconds += Double(results.map(\.resetSteps).reduce(0, +)) * periodSeconds
            switch actor {
            case .teacher: split.demonstrations += seconds
            case .explore: split.exploration += seconds
            case .policy: split.evaluation += seconds
            }
        }
        func run(_ seeds: [UInt64], _ actor: ResidualRolloutActor) -> [ResidualRolloutResult] {
            let results = ParallelEpisodes.run(count: seeds.count, workers: options.workers) { index in
                let result = residualRollout(seed: seeds[index], observe: options.observe, base: base, scale: scale,
                                             actor: actor)
                ticker.tick()
                return result
            }
            account(results, actor)
            return results
        }

        // Demonstrations (RLPD buffer): the expert projected into the residual's reach.
        let demos = run(Self.trainingSeeds(runSeed: options.seed, stage: 0, count: options.demonstrations), .teacher)
        var demonstrations = try ReplayBuffer(observationWidth: learner.observationWidth, actionWidth: width,
                                              capacity: residualDemonstrationCapacity(options))
        for result in demos { for transition in result.transitions { try demonstrations.append(transition) } }
        let teacherSuccesses = demos.filter(\.success).count

        let devSeeds = options.developmentSeeds
        var curve: [LearningCurvePoint] = []
        var rlCurve = LearningCurve(label: "\(task) residual-sac (dev)")
        func record(_ stage: String, _ successes: Int, rows: Int) throws {
            curve.append(LearningCurvePoint(stage: stage, wallSeconds: Date().timeIntervalSince(start),
                                            robotSeconds: robotSeconds, rows: rows, devSuccesses: successes,
                                            devEpisodes: devSeeds.count, validationMSE: nil))
            try rlCurve.points.append(.init(robotTimeSeconds: robotSeconds, successes: successes,
                                            trials: devSeeds.count, meanReturn: 0))
        }
        ticker.enter("base dev evaluation")
        let baseDev = run(devSeeds, .policy(base)).filter(\.success).count
        try record("base (no residual)", baseDev, rows: 0)

        let mailbox = PolicyMailbox()
        var online = try ReplayBuffer(observationWidth: learner.observationWidth, actionWidth: width,
                                      capacity: residualOnlineCapacity(options, rounds: rounds))
        var best: (policy: ResidualPolicy, successes: Int)?
        var trainingEpisodes = 0
        for round in 1...rounds {
            try Task.checkCancellation()
            mailbox.publish(learner.snapshot())
            ticker.enter("rl round \(round) rollouts")
            let seeds = Self.trainingSeeds(runSeed: options.seed, stage: 100 + round, count: options.episodesPerRound)
            let results = run(seeds, .explore(mailbox))
            trainingEpisodes += results.count
            ticker.enter("rl round \(round) updates")
            for result in results {
                for transition in result.transitions {
                    try online.append(transition)
                    try learner.update(online: online, demonstrations: demonstrations)
                }
                ticker.tick()
            }
            let stage = "rl round \(round)"
            ticker.enter("\(stage) dev evaluation")
            func policy(devSuccesses: Int) throws -> ResidualPolicy {
                let info = ResidualCheckpointInfo(
                    format: "enpire-task-residual/1", task: task, observe: options.observe,
                    privileged: options.observe.isPrivileged, scale: scale, actor: actorSpecification,
                    baseStage: base.info.stage, baseSource: baseURL.path, stage: stage, devSuccesses: devSuccesses,
                    devEpisodes: devSeeds.count, robotSeconds: robotSeconds, resetSeconds: resetSeconds,
                    robotTime: split,
                    trainingEpisodes: trainingEpisodes, reward: stationRewardDescription, rewardPrivileged: false,
                    sac: configuration)
                return try ResidualPolicy(base: base, info: info, actorWeights: learner.actor.stateDictionary())
            }
            let successes = run(devSeeds, .policy(try policy(devSuccesses: 0))).filter(\.success).count
            try record(stage, successes, rows: online.count)
            let scored = try policy(devSuccesses: successes)
            try scored.save(to: options.output.appendingPathComponent("rounds/round-\(round)"))
            if successes >= (best?.successes ?? -1) { best = (scored, successes) }
        }
        guard let chosen = best else { throw LearningError.invalidOption("no residual round ran") }
        try chosen.policy.save(to: options.output)
        try learner.save(to: options.output.appendingPathComponent("sac-final"))
        let summary = LearnSummary(
            task: task, paradigm: options.paradigm, observe: options.observe, checkpoint: options.output,
            chosenStage: chosen.policy.info.stage, trainingWallSeconds: Date().timeIntervalSince(start),
            robotSeconds: robotSeconds, devSuccesses: chosen.successes, devEpisodes: devSeeds.count,
            teacherSuccesses: teacherSuccesses, curve: curve)
        try Self.writeResidualCurves(summary, rlCurve, title: "\(task) residual-sac: dev success vs robot time",
                                     to: options.output)
        return summary
    }

    /// Replay capacity for every step of a residual run's demonstrations (the RLPD buffer never drops one).
    func residualDemonstrationCapacity(_ options: LearnOptions) -> Int { max(1, options.demonstrations * maxSteps) }

    /// Replay capacity for every exploring step of `rounds` rounds, at most two million transitions (beyond that
    /// the oldest are overwritten rather than the buffer's memory growing with the run).
    func residualOnlineCapacity(_ options: LearnOptions, rounds: Int) -> Int {
        min(max(1, rounds * options.episodesPerRound * maxSteps), 2_000_000)
    }

    /// Writes what ``writeCurve(_:to:)`` writes plus the development curve against robot time
    /// (`residual-curve.json` and `residual-curve.svg`, titled `title`), the files of both residual paradigms.
    static func writeResidualCurves(_ summary: LearnSummary, _ rlCurve: LearningCurve, title: String,
                                    to directory: URL) throws {
        try writeCurve(summary, to: directory)
        try rlCurve.writeJSON(to: directory.appendingPathComponent("residual-curve.json"))
        try LearningCurve.writeSVG([rlCurve], title: title, to: directory.appendingPathComponent("residual-curve.svg"))
    }
}

/// Where a residual run's robot time went (simulated seconds, robot resets included in each part).
public struct ResidualRobotTime: Sendable, Codable, Equatable {
    /// Expert demonstrations seeding the RLPD buffer.
    public var demonstrations = 0.0
    /// Exploring episodes of the learner (the RL interaction proper).
    public var exploration = 0.0
    /// Development evaluations (the base once, then every round's policy).
    public var evaluation = 0.0

    /// Creates an empty account.
    public init() {}
}
