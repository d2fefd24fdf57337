import ArgumentParser
import Enpire
import EnpireResearch
import EnpireSim
import EnpireTasks
import Foundation
import Synchronization

/// Progress reporting at most once per second (and always the last unit): a progress event (NDJSON with
/// `--progress json`, a bar on a terminal) or, for text off a terminal, a log line with the ETA.
private func throttled(_ output: ProgressOutput) -> @Sendable (LearnProgress) -> Void {
    let last = LastPrint()
    let logger = output.logger(label: "enpire.learn"), events = output.events
    return { progress in
        guard last.shouldPrint(final: progress.done >= progress.total) else { return }
        let event = ProgressEvent(phase: progress.phase, done: progress.done, total: progress.total,
                                  etaSeconds: progress.etaSeconds)
        if let events { events(event) } else { logger.info("[\(progress.done)/\(progress.total)] \(progress.phase) — \(event.etaText)") }
    }
}

private final class LastPrint: Sendable {
    private let time = Mutex(Date.distantPast)
    func shouldPrint(final: Bool) -> Bool {
        time.withLock { last in
            let now = Date()
            guard final || now.timeIntervalSince(last) >= 1 else { return false }
            last = now
            return true
        }
    }
}

/// A `--hold-when-covered` value: nil stays nil; otherwise a share in (0, 1].
private func holdCoverage(_ value: Double?) throws -> Double? {
    guard let value else { return nil }
    guard value.isFinite, value > 0, value <= 1 else {
        throw ValidationError("--hold-when-covered must be a share of the goal in (0, 1], e.g. 0.96; got \(value)")
    }
    return value
}

/// `enpire learn`.
struct LearnCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "learn",
        abstract: "Learn a policy for a simulated task: behaviour cloning, DAgger or residual SAC over such a policy.",
        discussion: """
            Writes policy.safetensors + policy.json (the checkpoint with the best development success), \
            learning-curve.json/.csv and learn-summary.json into --output. Progress goes to stderr. \
            `--observe camera` builds the policy input from the station's own noisy camera frames plus \
            proprioception; `--observe state` reads the simulator's exact state (privileged). \
            `--paradigm residual-sac --base DIR` (pin insertion) trains a bounded SAC residual over the bc/dagger \
            checkpoint in DIR with a station-measured reward (--rounds x --episodes-per-round exploring \
            episodes; --demonstrations seed the RLPD buffer) and writes base/ + residual.json + \
            residual-actor.safetensors, loadable by `enpire policy eval`. \
            `--paradigm station-residual-sac` trains the same residual through a simulated Station (its reset, \
            safety envelope, camera reward and clock; a learner thread exchanging weights through a mailbox) and \
            also writes station-rl.json. \
            `--paradigm station-rl --base DIR` (pusht) improves a bc/dagger selector checkpoint by policy gradient \
            on simulated stations judged by their camera (robot reset, envelope, clock; --rounds x \
            --episodes-per-round exploring episodes; --reality for the stations' reality) and writes the kept \
            round's checkpoint plus station-rl.json.
            """)

    @OptionGroup var taskOptions: LearnedTaskOptions
    @Option(help: "bc, dagger, residual-sac or station-residual-sac (pin; both need --base), station-rl (pusht; needs --base).")
    var paradigm = "dagger"
    @Option(help: "Output directory for the checkpoint and learning curve.") var output: String
    @Option(help: "Expert demonstration episodes.") var demonstrations = 100
    @Option(help: "Training epochs per stage.") var epochs = 30
    @Option(help: "DAgger rounds after the initial behaviour cloning (residual-sac: RL rounds).") var rounds = 4
    @Option(help: "Learner episodes per DAgger (or residual-sac) round.") var episodesPerRound = 50
    @Option(help: "residual-sac: the bc or dagger checkpoint directory of the same task to improve.")
    var base: String?
    @Option(help: "residual-sac: residual bound per output, as a fraction of the base's output std.")
    var residualScale: Float = 0.2
    @Option(help: "residual-sac: SAC critic updates per environment step.") var utd = 2
    @Option(help: "Development episodes per stage (checkpoint choice).") var devSeeds = 40
    @Option(help: "First development seed (keep it away from held-out seeds).") var firstDevSeed: UInt64 = 900_000
    @Option(help: "Hidden layer widths, comma-separated.") var hidden = "128,128"
    @Option(help: "Adam learning rate (default 1e-3; station-rl 3e-4).") var learningRate: Float?
    @Option(help: "Run seed (initialisation, shuffling, training seeds).") var seed: UInt64 = 1
    @Option(help: "pusht bc/dagger/station-rl: the reality training and development episodes run in (domain randomisation): clean, mild, harsh or a reality file.")
    var reality: String?
    @Option(help: "pusht bc/dagger: planner setting name=value of the primitive library and teacher (repeatable).")
    var param: [String] = []
    @Option(help: "pusht station-rl: the policies hold the pusher still at a decision point while the observed block covers at least this share of the goal.")
    var holdWhenCovered: Double?
    @Option(help: "pusht station-rl: record every exploring episode (steps, camera frames, about 30 kB each) into this episode store.")
    var record: String?
    @Option(help: "pusht station-rl: PPO's clipped surrogate with this ratio bound ε in (0, 1), e.g. 0.2 (default: the plain policy gradient).")
    var clipRatio: Float?
    @Option(help: "pusht station-rl: passes over each round's decisions (default 2).")
    var policyEpochs: Int?
    @Flag(help: "Print the summary as JSON.") var json = false
    @Option(help: ArgumentHelp("Progress on standard error: text lines (a bar on a terminal), or json (one JSON object per line with an ETA).", valueName: "text|json"))
    var progress: ProgressFormat = .text

    func run() async throws {
        var learner = try taskOptions.learner()
        /// Applies a station-rl-only option to the Push-T learner, refusing it for another task or paradigm.
        func stationRL(_ flag: String, _ apply: (inout PushTLearnableTask) -> Void) throws {
            guard var pusht = learner as? PushTLearnableTask, paradigm == PushTLearnableTask.stationRL else {
                throw ValidationError("\(flag) applies to `--task pusht --paradigm station-rl` only")
            }
            apply(&pusht)
            learner = pusht
        }
        if let hold = try holdCoverage(holdWhenCovered) {
            try stationRL("--hold-when-covered") { $0.holdsWhenCovered = hold }
        }
        if let record {
            try stationRL("--record") { $0.recordingFolder = URL(fileURLWithPath: record) }
        }
        if let clipRatio {
            guard clipRatio.isFinite, clipRatio > 0, clipRatio < 1 else {
                throw ValidationError("--clip-ratio must be in (0, 1), e.g. 0.2; got \(clipRatio)")
            }
            try stationRL("--clip-ratio") { $0.stationRLClipRatio = clipRatio }
        }
        if let policyEpochs {
            guard (1...1000).contains(policyEpochs) else {
                throw ValidationError("--policy-epochs must be in 1...1000; got \(policyEpochs)")
            }
            try stationRL("--policy-epochs") { $0.stationRLEpochs = policyEpochs }
        }
        if !param.isEmpty {
            guard var pusht = learner as? PushTLearnableTask else {
                throw ValidationError("--param applies to `--task pusht` only")
            }
            pusht.library = try plannerParameters(param)
            learner = pusht
        }
        if let reality {
            guard var pusht = learner as? PushTLearnableTask else {
                throw ValidationError("--reality applies to `--task pusht` only")
            }
            pusht.reality = try RealityOption.parse(reality)
            learner = pusht
        }
        let widths = hidden.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !widths.isEmpty, widths.count == hidden.split(separator: ",").count else {
            throw ValidationError("--hidden must be comma-separated integers, e.g. 128,128; got \(hidden)")
        }
        let options = LearnOptions(
            paradigm: paradigm, observe: try taskOptions.observationMode(), output: URL(fileURLWithPath: output), demonstrations: demonstrations,
            epochs: epochs, seed: seed, daggerRounds: rounds, episodesPerRound: episodesPerRound,
            firstDevSeed: firstDevSeed, devSeeds: devSeeds, hiddenWidths: widths,
            learningRate: learningRate ?? (paradigm == PushTLearnableTask.stationRL ? 3e-4 : 1e-3),
            workers: taskOptions.workers, base: base.map { URL(fileURLWithPath: $0) }, residualScale: residualScale,
            updatesPerStep: utd)
        let summary = try await learner.learn(options, progress: throttled(progress.output(since: Date())))
        if json { return try printJSON(summary) }
        CommandOutput.current.line("\(summary.task) \(summary.paradigm) observe=\(summary.observe.rawValue)"
            + (summary.privileged ? " (PRIVILEGED: exact simulator state)" : ""))
        for point in summary.curve {
            CommandOutput.current.line(String(format: "  %-18@ wall %7.1f s  robot %8.1f s  rows %6d  dev %d/%d", point.stage as NSString,
                         point.wallSeconds, point.robotSeconds, point.rows, point.devSuccesses, point.devEpisodes))
        }
        if summary.paradigm != PushTLearnableTask.stationRL {
            CommandOutput.current.line("teacher demonstrations: \(summary.teacherSuccesses)/\(demonstrations) successes"
                + (summary.paradigm == "residual-sac" ? " (expert projected into the residual's reach)" : ""))
        }
        CommandOutput.current.line("chosen: \(summary.chosenStage), dev \(summary.devSuccesses)/\(summary.devEpisodes); "
            + String(format: "training wall %.1f s, robot %.1f min", summary.trainingWallSeconds,
                     summary.robotSeconds / 60))
        CommandOutput.current.line("checkpoint: \(summary.checkpoint.path)")
    }
}

/// `enpire policy`.
struct PolicyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy", abstract: "Score learned policies.", subcommands: [Eval.self])

    /// `enpire policy eval`.
    struct Eval: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "eval",
            abstract: "Score a checkpoint on explicit seeds with the simulator's ground truth.")

        @OptionGroup var taskOptions: LearnedTaskOptions
        @Option(help: "Checkpoint directory written by `enpire learn`.") var policy: String
        @Option(help: "First seed (held-out: far from training and development seeds, e.g. 5000000).")
        var firstSeed: UInt64 = 5_000_000
        @Option(help: "Episodes.") var episodes = 200
        @Option(help: RealityOption.help) var reality: String?
        @Flag(help: "pusht, camera: measure the goal marking again in each episode's first frame (a camera moved since its calibration).")
        var registerCamera = false
        @Flag(help: "pusht: before each decision, hold the last target until the pusher has arrived (at most 1 s), reading only the arm's position.")
        var waitForArrival = false
        @Option(help: "pusht: at a decision point, hold the pusher still while the observed block covers at least this share of the goal (at most 1 s in a row).")
        var holdWhenCovered: Double?
        @Flag(help: "pusht, camera: when a decision frame shows too little of the block (the pusher over it), move the pusher aside and look again (at most 5 steps) instead of ending the episode.")
        var moveAsideWhenHidden = false
        @Flag(help: "Print JSON.") var json = false
        @Flag(help: "Run every episode on a simulated Station (reset, safety envelope, camera reward, clock; pin insertion, camera observations).")
        var onStation = false
        @Option(help: ArgumentHelp("Progress on standard error: text lines (a bar on a terminal), or json (one JSON object per line with an ETA).", valueName: "text|json"))
        var progress: ProgressFormat = .text

        func run() async throws {
            if onStation { return try await runOnStation() }
            var learner = try taskOptions.learner()
            if registerCamera || waitForArrival || holdWhenCovered != nil || moveAsideWhenHidden {
                guard var pusht = learner as? PushTLearnableTask else {
                    throw ValidationError("--register-camera, --wait-for-arrival, --hold-when-covered and --move-aside-when-hidden apply to `--task pusht` only")
                }
                let mode = try taskOptions.observationMode()
                guard !registerCamera || mode == .camera else {
                    throw ValidationError("--register-camera needs --observe camera")
                }
                guard !moveAsideWhenHidden || mode == .camera else {
                    throw ValidationError("--move-aside-when-hidden needs --observe camera")
                }
                pusht.movesAsideWhenHidden = moveAsideWhenHidden
                pusht.registersCameraEachEpisode = registerCamera
                pusht.waitsForArrival = waitForArrival
                pusht.holdsWhenCovered = try holdCoverage(holdWhenCovered)
                learner = pusht
            }
            if let reality {
                if var pusht = learner as? PushTLearnableTask {
                    pusht.reality = try RealityOption.parse(reality)
                    learner = pusht
                } else if var imitation = learner as? ImitationTask {
                    do { imitation.reality = try imitation.loadReality(reality) } catch {
                        throw ValidationError("--reality: \(error)")
                    }
                    learner = imitation
                } else {
                    throw ValidationError("--reality: task \(learner.name) has no perturbation model (pusht, pin and ziptie have)")
                }
            }
            let result = try await learner.evaluate(
                policyDirectory: URL(fileURLWithPath: policy), firstSeed: firstSeed, episodes: episodes,
                observe: try taskOptions.observationMode(), workers: taskOptions.workers, progress: throttled(progress.output(since: Date())))
            if json { return try printJSON(result) }
            CommandOutput.current.line("\(result.task) observe=\(result.observe.rawValue) reality=\(reality ?? "clean")"
                + (result.privileged ? " (PRIVILEGED: exact simulator state)" : "")
                + " seeds \(result.firstSeed)..<\(result.firstSeed + UInt64(result.episodes))")
            CommandOutput.current.line(String(format: "successes %d/%d (%.1f %%), Wilson 95%% [%.3f, %.3f], mean task score %.3f",
                         result.successes, result.episodes, 100 * Double(result.successes) / Double(result.episodes),
                         result.wilsonLow, result.wilsonHigh, result.meanTaskScore))
            CommandOutput.current.line(String(format: "robot time %.1f min, wall %.1f s", result.robotSeconds / 60, result.wallSeconds))
            if result.inputFailures > 0 {
                CommandOutput.current.line("episodes ended because the policy input could not be built: \(result.inputFailures) "
                    + "(first: \(result.firstInputFailure ?? "?"))")
            }
            if !result.failedSeeds.isEmpty {
                CommandOutput.current.line("failed seeds: \(result.failedSeeds.map(String.init).joined(separator: " "))")
            }
        }

        private func runOnStation() async throws {
            guard let imitation = try taskOptions.learner() as? ImitationTask, reality == nil else {
                throw ValidationError("--on-station: pin insertion in its clean reality only (camera observations)")
            }
            let result = try await imitation.evaluateOnStation(
                policyDirectory: URL(fileURLWithPath: policy), firstSeed: firstSeed, episodes: episodes,
                progress: throttled(progress.output(since: Date())))
            if json { return try printJSON(result) }
            let evaluation = result.evaluation
            CommandOutput.current.line("\(evaluation.task) on a simulated station (camera observations) seeds "
                + "\(evaluation.firstSeed)..<\(evaluation.firstSeed + UInt64(evaluation.episodes))")
            CommandOutput.current.line(String(format: "successes %d/%d (%.1f %%), Wilson 95%% [%.3f, %.3f], mean task score %.3f",
                         evaluation.successes, evaluation.episodes, 100 * Double(evaluation.successes) / Double(evaluation.episodes),
                         evaluation.wilsonLow, evaluation.wilsonHigh, evaluation.meanTaskScore))
            CommandOutput.current.line(String(format: "station verdict: %d successes, agrees with the ground truth on %d/%d; "
                + "safety interventions %d; robot time %.1f min (resets %.1f min), wall %.1f s",
                result.stationSuccesses, result.agreement, evaluation.episodes, result.interventions,
                evaluation.robotSeconds / 60, result.resetSeconds / 60, evaluation.wallSeconds))
            if evaluation.inputFailures > 0 {
                CommandOutput.current.line("episodes aborted: \(evaluation.inputFailures) (first: \(evaluation.firstInputFailure ?? "?"))")
            }
            if !evaluation.failedSeeds.isEmpty {
                CommandOutput.current.line("failed seeds: \(evaluation.failedSeeds.map(String.init).joined(separator: " "))")
            }
        }
    }
}

/// The learnable task `--task` names: a registered research task's name or alias (`pin`, `pin-insertion`, `zip-tie`)
/// or a learnable task's own name.
func learnableTask(named name: String) throws -> any LearnableTask {
    BuiltInTasks.register()
    if let research = try? TaskRegistry.shared.task(named: name) {
        for candidate in [research.name] + research.aliases {
            if let task = try? LearnableTasks.named(candidate) { return task }
        }
    }
    return try LearnableTasks.named(name)
}
