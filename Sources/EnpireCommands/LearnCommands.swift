import ArgumentParser
import Enpire
import EnpireResearch
import EnpireTasks
import Foundation
import Synchronization

/// Parses `--observe`.
private func observationMode(_ text: String) throws -> ObservationMode {
    guard let mode = ObservationMode(rawValue: text) else {
        throw ValidationError("--observe must be camera or state, got \(text)")
    }
    return mode
}

/// Writes one progress line with an ETA to stderr.
private func reportProgress(_ progress: LearnProgress) {
    let eta = progress.etaSeconds.map { String(format: "ETA %.0f s", $0) } ?? "ETA ?"
    let line = "[\(progress.done)/\(progress.total)] \(progress.phase) — \(eta)\n"
    FileHandle.standardError.write(Data(line.utf8))
}

/// Progress reporting that prints at most one line per second (and always the last unit).
private func throttled() -> @Sendable (LearnProgress) -> Void {
    let last = LastPrint()
    return { progress in
        if last.shouldPrint(final: progress.done >= progress.total) { reportProgress(progress) }
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

/// `enpire learn`.
struct LearnCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "learn",
        abstract: "Learn a policy for a simulated task from its expert (behaviour cloning or DAgger).",
        discussion: """
            Writes policy.safetensors + policy.json (the checkpoint with the best development success), \
            learning-curve.json/.csv and learn-summary.json into --output. Progress goes to stderr. \
            `--observe camera` builds the policy input from the station's own noisy camera frames plus \
            proprioception; `--observe state` reads the simulator's exact state (privileged).
            """)

    @Option(help: "Task: \(LearnableTasks.all.map(\.name).joined(separator: ", ")) (or a registered name or alias: pin, zip-tie).") var task: String
    @Option(help: "bc or dagger.") var paradigm = "dagger"
    @Option(help: "camera (what a real station sees) or state (privileged).") var observe = "camera"
    @Option(help: "Output directory for the checkpoint and learning curve.") var output: String
    @Option(help: "Expert demonstration episodes.") var demonstrations = 100
    @Option(help: "Training epochs per stage.") var epochs = 30
    @Option(help: "DAgger rounds after the initial behaviour cloning.") var rounds = 4
    @Option(help: "Learner episodes per DAgger round.") var episodesPerRound = 50
    @Option(help: "Development episodes per stage (checkpoint choice).") var devSeeds = 40
    @Option(help: "First development seed (keep it away from held-out seeds).") var firstDevSeed: UInt64 = 900_000
    @Option(help: "Hidden layer widths, comma-separated.") var hidden = "128,128"
    @Option(help: "Adam learning rate.") var learningRate: Float = 1e-3
    @Option(help: "Run seed (initialisation, shuffling, training seeds).") var seed: UInt64 = 1
    @Option(help: "Rollout threads.") var workers = 2
    @Flag(help: "Print the summary as JSON.") var json = false

    func run() async throws {
        let learner = try learnableTask(named: task)
        let widths = hidden.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !widths.isEmpty, widths.count == hidden.split(separator: ",").count else {
            throw ValidationError("--hidden must be comma-separated integers, e.g. 128,128; got \(hidden)")
        }
        let options = LearnOptions(
            paradigm: paradigm, observe: try observationMode(observe), output: URL(fileURLWithPath: output), demonstrations: demonstrations,
            epochs: epochs, seed: seed, daggerRounds: rounds, episodesPerRound: episodesPerRound,
            firstDevSeed: firstDevSeed, devSeeds: devSeeds, hiddenWidths: widths, learningRate: learningRate,
            workers: workers)
        let summary = try await learner.learn(options, progress: throttled())
        if json { return try printJSON(summary) }
        print("\(summary.task) \(summary.paradigm) observe=\(summary.observe.rawValue)"
            + (summary.privileged ? " (PRIVILEGED: exact simulator state)" : ""))
        for point in summary.curve {
            print(String(format: "  %-18@ wall %7.1f s  robot %8.1f s  rows %6d  dev %d/%d", point.stage as NSString,
                         point.wallSeconds, point.robotSeconds, point.rows, point.devSuccesses, point.devEpisodes))
        }
        print("teacher demonstrations: \(summary.teacherSuccesses)/\(demonstrations) successes")
        print("chosen: \(summary.chosenStage), dev \(summary.devSuccesses)/\(summary.devEpisodes); "
            + String(format: "training wall %.1f s, robot %.1f min", summary.trainingWallSeconds,
                     summary.robotSeconds / 60))
        print("checkpoint: \(summary.checkpoint.path)")
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

        @Option(help: "Task: \(LearnableTasks.all.map(\.name).joined(separator: ", ")) (or a registered name or alias: pin, zip-tie).") var task: String
        @Option(help: "Checkpoint directory written by `enpire learn`.") var policy: String
        @Option(help: "First seed (held-out: far from training and development seeds, e.g. 5000000).")
        var firstSeed: UInt64 = 5_000_000
        @Option(help: "Episodes.") var episodes = 200
        @Option(help: "camera (what a real station sees) or state (privileged).") var observe = "camera"
        @Option(help: "Rollout threads.") var workers = 2
        @Option(help: RealityOption.help) var reality: String?
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            var learner = try learnableTask(named: task)
            if let reality {
                guard var pusht = learner as? PushTLearnableTask else {
                    throw ValidationError("--reality is a Push-T option so far (task \(learner.name) has no perturbation model)")
                }
                pusht.reality = try RealityOption.parse(reality)
                learner = pusht
            }
            let result = try await learner.evaluate(
                policyDirectory: URL(fileURLWithPath: policy), firstSeed: firstSeed, episodes: episodes,
                observe: try observationMode(observe), workers: workers, progress: throttled())
            if json { return try printJSON(result) }
            print("\(result.task) observe=\(result.observe.rawValue) reality=\(reality ?? "clean")"
                + (result.privileged ? " (PRIVILEGED: exact simulator state)" : "")
                + " seeds \(result.firstSeed)..<\(result.firstSeed + UInt64(result.episodes))")
            print(String(format: "successes %d/%d (%.1f %%), Wilson 95%% [%.3f, %.3f], mean task score %.3f",
                         result.successes, result.episodes, 100 * Double(result.successes) / Double(result.episodes),
                         result.wilsonLow, result.wilsonHigh, result.meanTaskScore))
            print(String(format: "robot time %.1f min, wall %.1f s", result.robotSeconds / 60, result.wallSeconds))
            if result.inputFailures > 0 {
                print("episodes ended because the policy input could not be built: \(result.inputFailures) "
                    + "(first: \(result.firstInputFailure ?? "?"))")
            }
            if !result.failedSeeds.isEmpty {
                print("failed seeds: \(result.failedSeeds.map(String.init).joined(separator: " "))")
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
