public import Enpire
import EnpireLearning
import EnpireSim
import Foundation

/// Human interventions on the simulated Push-T station, HIL-SERL / HG-DAgger style: a weak learned policy runs
/// the station, a scripted person (``PushTScriptedPerson``, privileged: the planner) takes over when it strays,
/// the person's steps (recorded with source `human`) are labelled in the policy's primitives
/// (``PushTInterventionLabels``) and aggregated into the training set, and the policy is retrained on the aggregate.
/// Held-out success is measured before and after on seeds used nowhere else.
///
/// - The weak policy: the primitive selector (``PushTPrimitivePolicy``) trained by behaviour cloning on
///   ``Configuration/demonstrations`` teacher episodes only (the teacher is the privileged planner, as in
///   Docs/LearnedPolicies.md).
/// - Each round runs ``Configuration/episodesPerRound`` station episodes of the current policy with the person
///   watching, labels the person's steps, and retrains from scratch (same initial weights and update budget) on the
///   demonstrations plus every round's intervention decisions. The policy's own steps are never relabelled.
/// - The policy reads the simulator's exact block pose (state mode, privileged), so that the study measures the
///   intervention loop and not the camera; Docs/LearnedPolicies.md has camera-mode figures for the same selector.
public struct PushTInterventionStudy: Sendable {
    /// Settings.
    public struct Configuration: Sendable, Codable, Equatable {
        /// Teacher episodes the weak policy is trained on.
        public var demonstrations = 6
        /// First seed of the demonstrations.
        public var demonstrationFirstSeed: UInt64 = 100_000
        /// Intervention rounds (collect with the person, then retrain).
        public var rounds = 2
        /// Station episodes per round.
        public var episodesPerRound = 40
        /// First seed of the intervention episodes (round `r` uses the next `episodesPerRound` seeds).
        public var interventionFirstSeed: UInt64 = 300_000
        /// First held-out seed.
        public var heldOutFirstSeed: UInt64 = 6_000_000
        /// Held-out episodes (before and after).
        public var heldOutEpisodes = 200
        /// Whether to also train a control: behaviour cloning on teacher-driven episodes (seeds after the
        /// demonstrations') until it has as many decisions as the final aggregate, scored on the same held-out seeds.
        public var teacherControl = true
        /// Times each intervention decision is repeated in the training set (≥ 1).
        public var interventionWeight = 1
        /// Control steps per station episode (gym-pusht: 300).
        public var maxSteps = PushTGeometry.maxEpisodeSteps
        /// The person's patience: steps without coverage progress before taking over.
        public var stallSteps = 25
        /// Coverage gain over the takeover point before the person hands back.
        public var handBackGain = 0.2
        /// Network, optimiser and primitive library (the learner's own settings; its round and paradigm settings
        /// are not used). Defaults: no pose noise (state mode), 128-128 hidden, 1,500 updates per fit.
        public var learner: PushTPrimitiveLearner.Configuration = {
            var learner = PushTPrimitiveLearner.Configuration()
            learner.hiddenWidths = [128, 128]
            learner.positionNoise = 0
            learner.angleNoise = 0
            return learner
        }()

        /// Default settings (the measured run of Docs/LearnedPolicies.md, "Human interventions").
        public init() {}

        /// Checks the settings, with a message naming the bad one.
        public func validate() throws {
            func check(_ ok: Bool, _ message: String) throws {
                if !ok { throw PushTLearningError.invalidSetting(message) }
            }
            try learner.validate()
            try check((0...100_000).contains(demonstrations), "demonstrations must be in 0...100000")
            try check((0...100).contains(rounds), "rounds must be in 0...100")
            try check((1...100_000).contains(episodesPerRound), "episodesPerRound must be in 1...100000")
            try check((0...1_000_000).contains(heldOutEpisodes), "heldOutEpisodes must be in 0...1000000")
            try check((1...100).contains(interventionWeight), "interventionWeight must be in 1...100")
            try check((1...10_000).contains(maxSteps), "maxSteps must be in 1...10000")
            try check((1...10_000).contains(stallSteps), "stallSteps must be in 1...10000")
            try check(handBackGain.isFinite && (0...1).contains(handBackGain), "handBackGain must be in 0...1")
            let heldOut = heldOutFirstSeed..<(heldOutFirstSeed &+ UInt64(heldOutEpisodes))
            let collected = interventionFirstSeed..<(interventionFirstSeed &+ UInt64(rounds * episodesPerRound))
            let demos = demonstrationFirstSeed..<(demonstrationFirstSeed &+ UInt64(demonstrations))
            try check(!heldOut.overlaps(collected) && !heldOut.overlaps(demos),
                      "held-out seeds \(heldOut) overlap the training seeds: move heldOutFirstSeed")
        }
    }

    /// One round of interventions.
    public struct Round: Sendable, Codable, Equatable {
        /// Round index (0: the weak policy runs).
        public var round: Int
        /// Station episodes run.
        public var episodes: Int
        /// Episodes that reached gym-pusht's success with the person's help.
        public var successesWithPerson: Int
        /// Interventions (runs of consecutive person steps).
        public var interventions: Int
        /// Steps the person drove (source `human`).
        public var humanSteps: Int
        /// Steps the policy drove.
        public var policySteps: Int
        /// Decisions labelled from the person's steps.
        public var labelledDecisions: Int
        /// Person steps no primitive explained.
        public var unmatchedSteps: Int
        /// Training decisions after aggregation.
        public var trainingDecisions: Int
        /// Wall seconds since the study started, after the retraining.
        public var wallSeconds: Double
    }

    /// What the study measured.
    public struct Result: Sendable, Codable, Equatable {
        /// The settings.
        public var configuration: Configuration
        /// Decisions of the teacher's demonstrations.
        public var demonstrationDecisions: Int
        /// Held-out success of the weak policy (nil when no held-out episodes were asked for).
        public var before: PushTPolicyEvaluation.Summary?
        /// The rounds.
        public var rounds: [Round]
        /// Held-out success after the last retraining.
        public var after: PushTPolicyEvaluation.Summary?
        /// The control's held-out success: as many decisions from teacher-driven episodes, no interventions.
        public var teacherControl: PushTPolicyEvaluation.Summary?
        /// Teacher episodes and decisions the control was trained on.
        public var teacherControlEpisodes = 0
        /// Decisions of the control's training set.
        public var teacherControlDecisions = 0
        /// Total wall seconds.
        public var wallSeconds: Double
    }

    /// The settings.
    public var configuration: Configuration

    /// Creates a study.
    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    /// Runs the study, reporting progress lines.
    public func run(progress: @escaping @Sendable (String) -> Void = { _ in }) async throws -> Result {
        try configuration.validate()
        let config = configuration
        let start = ContinuousClock.now
        let elapsed: @Sendable () -> Double = { (ContinuousClock.now - start).inSeconds }
        let demoSeeds = (0..<config.demonstrations).map { config.demonstrationFirstSeed + UInt64($0) }
        var samples: [PushTPrimitiveRollouts.Decision] = []
        if !demoSeeds.isEmpty {
            let demos = PushTPrimitiveRollouts.run(
                seeds: demoSeeds, library: config.learner.library, learner: nil, teacherShare: 1, label: true,
                temperature: config.learner.temperature, positionNoise: 0, angleNoise: 0, noiseSeed: config.learner.seed,
                workers: config.learner.workers)
            samples = demos.episodes.flatMap(\.decisions)
        }
        let demonstrationDecisions = samples.count
        progress("weak policy: \(demoSeeds.count) teacher episodes, \(samples.count) decisions, \(Int(elapsed())) s")
        var model = try fit(samples)
        let before = try await heldOut(model, label: "before", progress: progress)
        var rounds: [Round] = []
        let labeller = PushTInterventionLabels(library: config.learner.library)
        for round in 0..<config.rounds {
            let seeds = (0..<config.episodesPerRound).map {
                config.interventionFirstSeed + UInt64(round * config.episodesPerRound + $0)
            }
            let episodes = try await collect(model: model, seeds: seeds) { done in
                progress("round \(round + 1)/\(config.rounds): \(done)/\(seeds.count) episodes with the person, "
                         + "\(Int(elapsed())) s")
            }
            let labels = try labeller.label(episodes)
            for _ in 0..<config.interventionWeight { samples += labels.decisions }
            model = try fit(samples)
            let steps = episodes.flatMap(\.steps)
            let point = Round(
                round: round, episodes: episodes.count,
                successesWithPerson: episodes.filter { $0.summary.verdict?.success == true }.count,
                interventions: episodes.reduce(0) { $0 + ($1.summary.interventions?.count ?? 0) },
                humanSteps: steps.filter { $0.source == .human }.count,
                policySteps: steps.filter { $0.source == .policy }.count,
                labelledDecisions: labels.decisions.count, unmatchedSteps: labels.unmatchedSteps,
                trainingDecisions: samples.count, wallSeconds: elapsed())
            rounds.append(point)
            progress("round \(round + 1)/\(config.rounds): \(point.interventions) interventions, \(point.humanSteps) "
                     + "human steps of \(point.humanSteps + point.policySteps), \(point.labelledDecisions) decisions "
                     + "labelled (\(point.unmatchedSteps) steps unmatched), \(point.successesWithPerson)/"
                     + "\(point.episodes) successes with the person; retrained on \(samples.count) decisions, "
                     + "\(Int(elapsed())) s")
        }
        let after = config.rounds == 0 ? before : try await heldOut(model, label: "after", progress: progress)
        var result = Result(configuration: config, demonstrationDecisions: demonstrationDecisions, before: before,
                            rounds: rounds, after: after, wallSeconds: elapsed())
        if config.teacherControl, config.rounds > 0 {
            // As many decisions, all from teacher-driven episodes (plain behaviour cloning), on fresh seeds.
            var control: [PushTPrimitiveRollouts.Decision] = []
            var next = config.demonstrationFirstSeed
            var episodes = 0
            while control.count < samples.count / config.interventionWeight, episodes < 100_000 {
                let seeds = (0..<10).map { next + UInt64($0) }
                next += 10
                episodes += seeds.count
                control += PushTPrimitiveRollouts.run(
                    seeds: seeds, library: config.learner.library, learner: nil, teacherShare: 1, label: true,
                    temperature: config.learner.temperature, positionNoise: 0, angleNoise: 0,
                    noiseSeed: config.learner.seed, workers: config.learner.workers).episodes.flatMap(\.decisions)
            }
            progress("teacher control: \(episodes) teacher episodes, \(control.count) decisions")
            result.teacherControl = try await heldOut(try fit(control), label: "teacher control", progress: progress)
            result.teacherControlEpisodes = episodes
            result.teacherControlDecisions = control.count
            result.wallSeconds = elapsed()
        }
        return result
    }

    /// Fits a fresh selector (same initial weights every time: the configured seed) on `decisions`.
    public func fit(_ decisions: [PushTPrimitiveRollouts.Decision]) throws -> PushTPrimitiveModel {
        let settings = configuration.learner
        let learner = PushTPrimitiveLearner(configuration: settings)
        var rng = SplitMix64(seed: settings.seed)
        let (specification, network, optimizer, ema, classes) = try learner.freshNetwork(rng: &rng)
        let samples = decisions.map {
            PushTPrimitiveLearner.Sample(features: $0.features, target: $0.target, best: $0.best, validation: false)
        }
        try learner.train(network: network, optimizer: optimizer, ema: ema, samples: samples, classes: classes,
                          rng: &rng) { _, _ in }
        return try learner.snapshot(ema: ema, specification: specification,
                                    metrics: ["samples": Double(samples.count)])
    }

    /// Runs `model` on a simulated Push-T station for one episode per seed, with the scripted person watching.
    public func collect(model: PushTPrimitiveModel, seeds: [UInt64],
                        onEpisode: @Sendable (Int) -> Void = { _ in }) async throws -> [RecordedEpisode] {
        let simulated = try PushTSimulatedStation(name: "pusht-interventions")
        let policy = try PushTPrimitivePolicy(model: model, mode: .state)
        let person = PushTScriptedPerson(parameters: model.library, stallSteps: configuration.stallSteps,
                                         handBackGain: configuration.handBackGain)
        var episodes: [RecordedEpisode] = []
        for seed in seeds {
            episodes.append(try await simulated.station.runEpisode(
                policy: policy, seed: seed, maxSteps: configuration.maxSteps, stopOnSuccess: true,
                tags: ["study": "interventions"], interventions: person))
            onEpisode(episodes.count)
        }
        return episodes
    }

    private func heldOut(_ model: PushTPrimitiveModel, label: String,
                         progress: @escaping @Sendable (String) -> Void) async throws -> PushTPolicyEvaluation.Summary? {
        guard configuration.heldOutEpisodes > 0 else { return nil }
        let summary = try await PushTPolicyEvaluation.evaluate(
            model: model, mode: .state, firstSeed: configuration.heldOutFirstSeed,
            episodes: configuration.heldOutEpisodes, workers: configuration.learner.workers) { done, total in
            if done % 50 == 0 || done == total { progress("held-out \(label): \(done)/\(total)") }
        }
        progress(String(format: "held-out %@: %d/%d (Wilson %.3f–%.3f), %.0f s", label, summary.successes,
                        summary.episodes, summary.wilsonLow, summary.wilsonHigh, summary.wallSeconds))
        return summary
    }
}
