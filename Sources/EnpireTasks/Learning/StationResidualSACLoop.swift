import Enpire
import EnpireLearning
import Foundation

/// What `station-residual-sac` needs from a task: a station to act on and the residual's action map.
struct ResidualStationSetup: Sendable {
    /// A fresh simulated station (name, camera-noise seed) and its ground-truth rule (scoring only).
    var makeStation: @Sendable (_ name: String, _ cameraSeed: UInt64) throws -> ResidualStationHandle
    /// The residual's action map over a base and scale; `teacher`: the privileged expert acts (demonstrations).
    var makeMap: @Sendable (_ base: ImitationModel, _ scale: [Float], _ teacher: Bool) -> any StationActionMap
    /// Rewards from the station's verdicts and arm readings.
    var shaping: StationRewardShaping
    /// What ``shaping`` computes (sidecar, docs).
    var rewardDescription: String
}

/// A station and its simulator's success rule.
struct ResidualStationHandle: Sendable {
    var station: Station
    /// The simulator's success and task score on the scene now (scoring only: the learner never sees it).
    var groundTruth: @Sendable () async -> (success: Bool, score: Double)
}

/// What a `station-residual-sac` run measured beside its checkpoint (`station-rl.json`).
struct StationResidualReport: Codable, Sendable {
    struct Evaluation: Codable, Sendable {
        var stage: String
        var trainingRobotSeconds: Double
        var successes: Int
        var stationSuccesses: Int
        var agreement: Int
        var episodes: Int
    }
    var reward: String
    var robotTime: ResidualRobotTime
    var resetSeconds: Double
    var trainingEpisodes: Int
    var onlineTransitions: Int
    var learnerUpdates: Int
    var explorationInterventions: Int
    var demonstrationStationSuccesses: Int
    var evaluations: [Evaluation] = []
}

extension ImitationLoop {
    /// Residual RL on a station (`station-residual-sac`): like `residual-sac`, but every episode runs on a
    /// simulated `Station` through `StationEnvironment`: its reset routine, its safety envelope, its camera
    /// reward, its clock. Demonstrations (`options.demonstrations` episodes of the privileged teacher, projected
    /// into the residual's reach) and `options.daggerRounds` × `options.episodesPerRound` exploring episodes run
    /// on the training station; a `StationLearner` thread owes one SAC update (`options.updatesPerStep` critic
    /// steps) per transition and publishes snapshots through its `PolicyMailbox`; the actor waits for it between
    /// episodes (lockstep, so the run does not depend on CPU speed). The base and every round's deterministic
    /// policy are scored on the development seeds on a second station (ground-truth success, never seen by the
    /// learner). The best round (ties: the later) is saved as a ``ResidualPolicy``, each round in `rounds/round-N`.
    func learnStationResidual(_ options: LearnOptions, setup: ResidualStationSetup,
                              progress: @escaping @Sendable (LearnProgress) -> Void) async throws -> LearnSummary {
        try options.validate(paradigms: ["station-residual-sac"])
        let (base, baseURL, scale, sac) = try residualStart(options)
        let configuration = sac.configuration
        let start = Date()
        let width = outputNames.count
        let actorSpecification = sac.snapshot().specification
        let rounds = max(options.daggerRounds, 1)
        let ticker = ProgressTicker(
            total: options.demonstrations + options.devSeeds * (rounds + 1) + rounds * options.episodesPerRound,
            phase: "demonstrations on the station", report: progress)

        let training = try setup.makeStation("\(task)-rl-train", 7), development = try setup.makeStation("\(task)-rl-dev", 8)
        try await training.station.connect()
        try await development.station.connect()
        func environment(_ handle: ResidualStationHandle, teacher: Bool) -> StationEnvironment {
            StationEnvironment(station: handle.station, maxSteps: maxSteps, shaping: setup.shaping,
                               tags: ["paradigm": "station-residual-sac"]) { setup.makeMap(base, scale, teacher) }
        }
        let explorer = environment(training, teacher: false), evaluator = environment(development, teacher: false)
        var split = ResidualRobotTime()
        var resetSeconds = 0.0

        // Demonstrations (RLPD buffer) on the training station: the privileged teacher acts.
        let teacher = environment(training, teacher: true)
        var demonstrations = try ReplayBuffer(observationWidth: sac.observationWidth, actionWidth: width,
                                              capacity: residualDemonstrationCapacity(options))
        var teacherSuccesses = 0, teacherStationSuccesses = 0
        for seed in Self.trainingSeeds(runSeed: options.seed, stage: 0, count: options.demonstrations) {
            let episode = try await teacher.runEpisode(seed: seed, mode: .zero, mailbox: PolicyMailbox(),
                                                       split: "demonstration")
            if await training.groundTruth().success { teacherSuccesses += 1 }
            if episode.stationSuccess { teacherStationSuccesses += 1 }
            for transition in episode.transitions { try demonstrations.append(transition) }
            split.demonstrations += episode.robotSeconds
            resetSeconds += episode.resetSeconds
            ticker.tick()
        }

        let learner = StationLearner(
            learner: sac,
            online: try ReplayBuffer(observationWidth: sac.observationWidth, actionWidth: width,
                                     capacity: residualOnlineCapacity(options, rounds: rounds)),
            demonstrations: demonstrations)
        let devSeeds = options.developmentSeeds
        var report = StationResidualReport(
            reward: setup.rewardDescription, robotTime: split, resetSeconds: 0, trainingEpisodes: 0,
            onlineTransitions: 0, learnerUpdates: 0, explorationInterventions: 0,
            demonstrationStationSuccesses: teacherStationSuccesses)
        var curve: [LearningCurvePoint] = []
        var rlCurve = LearningCurve(label: "\(task) station-residual-sac (dev)")
        func evaluate(_ stage: String, mode: StationActingPolicy.Mode) async throws -> Int {
            ticker.enter("\(stage) dev evaluation")
            var row = StationResidualReport.Evaluation(stage: stage, trainingRobotSeconds: split.demonstrations
                + split.exploration, successes: 0, stationSuccesses: 0, agreement: 0, episodes: devSeeds.count)
            for seed in devSeeds {
                let episode = try await evaluator.runEpisode(seed: seed, mode: mode, mailbox: learner.mailbox,
                                                             split: "dev")
                let truth = await development.groundTruth().success
                row.successes += truth ? 1 : 0
                row.stationSuccesses += episode.stationSuccess ? 1 : 0
                row.agreement += truth == episode.stationSuccess ? 1 : 0
                split.evaluation += episode.robotSeconds
                resetSeconds += episode.resetSeconds
                ticker.tick()
            }
            report.evaluations.append(row)
            let robotSeconds = split.demonstrations + split.exploration + split.evaluation
            curve.append(LearningCurvePoint(stage: stage, wallSeconds: Date().timeIntervalSince(start),
                                            robotSeconds: robotSeconds, rows: report.onlineTransitions,
                                            devSuccesses: row.successes, devEpisodes: devSeeds.count,
                                            validationMSE: nil))
            try rlCurve.points.append(.init(robotTimeSeconds: row.trainingRobotSeconds, successes: row.successes,
                                            trials: devSeeds.count, meanReturn: 0))
            return row.successes
        }
        _ = try await evaluate("base (no residual)", mode: .zero)

        learner.start()
        var best: (policy: ResidualPolicy, successes: Int)?
        for round in 1...rounds {
            try Task.checkCancellation()
            ticker.enter("rl round \(round) on the station")
            let seeds = Self.trainingSeeds(runSeed: options.seed, stage: 100 + round, count: options.episodesPerRound)
            let episodes = try await explorer.collect(seeds: seeds, learner: learner) { _ in ticker.tick() }
            for episode in episodes {
                split.exploration += episode.robotSeconds
                resetSeconds += episode.resetSeconds
                report.explorationInterventions += episode.interventions
                report.onlineTransitions += episode.transitions.count
            }
            report.trainingEpisodes += episodes.count
            try await learner.waitUntilCaughtUp()
            let stage = "rl round \(round)"
            let successes = try await evaluate(stage, mode: .deterministic)
            let weights = learner.withLearner { sac, _ in sac.actor.stateDictionary() }
            let info = ResidualCheckpointInfo(
                format: "enpire-task-residual/1", task: task, observe: .camera, privileged: false, scale: scale,
                actor: actorSpecification, baseStage: base.info.stage, baseSource: baseURL.path, stage: stage,
                devSuccesses: successes, devEpisodes: devSeeds.count,
                robotSeconds: split.demonstrations + split.exploration + split.evaluation, resetSeconds: resetSeconds,
                robotTime: split, trainingEpisodes: report.trainingEpisodes, reward: setup.rewardDescription,
                rewardPrivileged: false, sac: configuration)
            let policy = try ResidualPolicy(base: base, info: info, actorWeights: weights)
            try policy.save(to: options.output.appendingPathComponent("rounds/round-\(round)"))
            if successes >= (best?.successes ?? -1) { best = (policy, successes) }
        }
        report.learnerUpdates = try await learner.finish()
        guard let chosen = best else { throw LearningError.invalidOption("no residual round ran") }
        try chosen.policy.save(to: options.output)
        try learner.withLearner { sac, _ in try sac.save(to: options.output.appendingPathComponent("sac-final")) }
        report.robotTime = split
        report.resetSeconds = resetSeconds
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(report).write(to: options.output.appendingPathComponent("station-rl.json"))
        let summary = LearnSummary(
            task: task, paradigm: options.paradigm, observe: .camera, checkpoint: options.output,
            chosenStage: chosen.policy.info.stage, trainingWallSeconds: Date().timeIntervalSince(start),
            robotSeconds: split.demonstrations + split.exploration + split.evaluation, devSuccesses: chosen.successes,
            devEpisodes: devSeeds.count, teacherSuccesses: teacherSuccesses, curve: curve)
        try Self.writeResidualCurves(summary, rlCurve,
                                     title: "\(task) station-residual-sac: dev success vs training robot time",
                                     to: options.output)
        return summary
    }
}
