public import ArgumentParser
import Enpire
import EnpireSim
import EnpireTasks
import Foundation
import Synchronization

/// `enpire learn-pusht`: trains the Push-T primitive selector (DAgger from the planner) and scores it.
struct PushTLearnCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "learn-pusht",
        abstract: "Train a learned Push-T primitive selector with DAgger (planner as privileged teacher).")

    @Option(help: "Checkpoint directory to write.") var output: String
    @Option(help: "dagger or bc.") var paradigm = "dagger"
    @Option(help: "DAgger rounds (the first follows the teacher).") var rounds = 5
    @Option(help: "Episodes collected per round.") var episodesPerRound = 150
    @Option(help: "Epochs over the aggregated data after each round.") var epochs = 20
    @Option(help: "Development episodes per round (checkpoint selection).") var developmentEpisodes = 60
    @Option(help: "Hidden widths, comma separated.") var hidden = "256,256,256"
    @Option(help: "Soft-target temperature (pixels of planner cost).") var temperature = 2.0
    @Option(help: "Planner parameter override for the primitive library, name=value (repeatable).") var param: [String] = []
    @Option(help: "Held-out style evaluation after training: episodes (0: none).") var evaluate = 0
    @Option(help: "First seed of that evaluation.") var evaluateFirstSeed: UInt64 = 5_000_000
    @Option(help: "Observation of that evaluation: camera or state.") var observe: ObservationMode = .camera
    @Option(help: "Worker threads.") var workers = 2
    @Option(help: "Seed.") var seed: UInt64 = 1

    mutating func run() async throws {
        var configuration = PushTPrimitiveLearner.Configuration()
        configuration.rounds = rounds
        guard let chosen = PushTPrimitiveLearner.Paradigm(rawValue: paradigm) else {
            throw ValidationError("--paradigm takes dagger or bc")
        }
        configuration.paradigm = chosen
        configuration.episodesPerRound = episodesPerRound
        configuration.epochs = epochs
        configuration.developmentEpisodes = developmentEpisodes
        configuration.temperature = temperature
        configuration.workers = workers
        configuration.seed = seed
        configuration.hiddenWidths = hidden.split(separator: ",").compactMap { Int($0) }
        var recipe: [String: Double] = [:]
        for entry in param {
            let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, let value = Double(parts[1]) else {
                throw ValidationError("--param takes name=value, got '\(entry)'")
            }
            recipe[parts[0]] = value
        }
        configuration.library = try PushTPlannerParameters(recipe: recipe)
        let throttle = ProgressThrottle()
        let result = try PushTPrimitiveLearner(configuration: configuration).run { progress in
            guard progress.phase == "round" || throttle.due() else { return }
            let eta = progress.etaSeconds.map { String(format: " (ETA %.0f s)", $0) } ?? ""
            FileHandle.standardError.write(Data("learn: \(progress.message)\(eta)\n".utf8))
        }
        let url = URL(fileURLWithPath: output)
        try result.model.save(to: url)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(result.curve).write(to: url.appendingPathComponent("curve.json"))
        print("kept round \(result.keptRound + 1), training \(String(format: "%.0f", result.wallSeconds)) s")
        guard evaluate > 0 else { return }
        let mode = observe
        let summary = try await PushTPolicyEvaluation.evaluate(
            model: result.model, mode: mode, firstSeed: evaluateFirstSeed, episodes: evaluate, workers: workers
        ) { done, total in
            if done % 25 == 0 || done == total { FileHandle.standardError.write(Data("eval: \(done)/\(total)\n".utf8)) }
        }
        let encoded = try encoder.encode(summary)
        try encoded.write(to: url.appendingPathComponent("evaluation-\(mode.rawValue).json"))
        print("\(summary.policy): \(summary.successes)/\(summary.episodes) held-out-style episodes from seed "
            + "\(summary.firstSeed) (Wilson 95% \(String(format: "%.1f-%.1f", 100 * summary.wilsonLow, 100 * summary.wilsonHigh)) %), "
            + "mean max coverage \(String(format: "%.3f", summary.meanMaximumCoverage)), \(String(format: "%.0f", summary.wallSeconds)) s")
    }
}

/// `enpire eval-pusht`: scores a Push-T primitive checkpoint on explicit seeds.
struct PushTPolicyEvalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval-pusht", abstract: "Score a learned Push-T checkpoint on explicit seeds.")

    @Option(help: "Checkpoint directory.") var policy: String?
    @Option(help: "First seed.") var firstSeed: UInt64 = 5_000_000
    @Option(help: "Episodes.") var episodes = 100
    @Option(help: "Observation: camera or state.") var observe: ObservationMode = .camera
    @Option(help: "Worker threads.") var workers = 2
    @Flag(help: "Print JSON.") var json = false
    @Option(help: "Score the planner (oracle: simulator as model) with these overrides instead of a checkpoint, name=value (repeatable; pass `default` for the defaults).")
    var planner: [String] = []

    mutating func run() async throws {
        let mode = observe
        let report: @Sendable (Int, Int) -> Void = { done, total in
            if done % 25 == 0 || done == total { FileHandle.standardError.write(Data("eval: \(done)/\(total)\n".utf8)) }
        }
        let summary: PushTPolicyEvaluation.Summary
        if !planner.isEmpty {
            var recipe: [String: Double] = [:]
            for entry in planner where entry != "default" {
                let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.count == 2, let value = Double(parts[1]) else {
                    throw ValidationError("--planner takes name=value, got '\(entry)'")
                }
                recipe[parts[0]] = value
            }
            summary = try await PushTPolicyEvaluation.evaluatePlanner(
                parameters: try PushTPlannerParameters(recipe: recipe), mode: mode, firstSeed: firstSeed,
                episodes: episodes, workers: workers, progress: report)
        } else {
            guard let policy else { throw ValidationError("give --policy DIR or --planner") }
            let model = try PushTPrimitiveModel.load(from: URL(fileURLWithPath: policy))
            summary = try await PushTPolicyEvaluation.evaluate(model: model, mode: mode, firstSeed: firstSeed,
                                                               episodes: episodes, workers: workers, progress: report)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        if json {
            print(String(decoding: try encoder.encode(summary), as: UTF8.self))
        } else {
            print("\(summary.policy): \(summary.successes)/\(summary.episodes) (Wilson 95% "
                + String(format: "%.1f-%.1f %%), mean max coverage %.3f, %.0f s", 100 * summary.wilsonLow,
                         100 * summary.wilsonHigh, summary.meanMaximumCoverage, summary.wallSeconds))
        }
    }
}

/// Lets a progress line through at most every few seconds.
final class ProgressThrottle: Sendable {
    private let last = Mutex(Date.distantPast)
    private let interval: TimeInterval

    init(seconds: TimeInterval = 5) { interval = seconds }

    func due() -> Bool {
        last.withLock { last in
            let now = Date()
            guard now.timeIntervalSince(last) >= interval else { return false }
            last = now
            return true
        }
    }
}

extension ObservationMode: ExpressibleByArgument {}
