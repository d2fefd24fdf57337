import ArgumentParser
import Enpire
import EnpireTasks
import Foundation

/// `enpire main`: the Push-T station learning end to end on the built-in simulated fleet.
struct MainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "main",
        abstract: "Run the main job: a simulated Push-T fleet improving its policy on its own, then write a report.")

    @Option(help: "Simulated stations in the fleet.") var stations = 4
    @Option(help: "Research iterations per station.") var iterations = 8
    @Option(help: "Episodes per trial (development seeds).") var episodesPerTrial = 20
    @Option(help: "Held-out episodes for the final scores.") var heldOut = 500
    @Option(help: "Demonstrations for behaviour cloning (0 skips it).") var demonstrations = 60
    @Option(help: "Behaviour-cloning epochs.") var bcEpochs = 40
    @Option(help: "Actions predicted per observation by the behaviour-cloned network.") var bcChunk = 8
    @Option(help: "Seed of the researchers.") var seed: UInt64 = 1
    @Option(help: "Output folder (default: reports/main-<time>).") var output: String?
    @Option(help: ArgumentHelp("Continue an interrupted run in this output folder with the configuration it was started with (other sizing options are ignored).", valueName: "dir"))
    var resume: String?
    @Flag(help: "Research stations reset with the pusher itself (verified) instead of placing start states.")
    var robotReset = false
    @Flag(help: """
        Judge every station by its own 640x480 camera (Push-T camera reward calibrated from 50 labelled clips) \
        instead of the simulator's coverage; held-out scores still count gym-pusht's success.
        """)
    var cameraReward = false
    @Option(help: "Fresh development episodes per confirmation block after research; the better half of the leaders goes on after each block (0 skips).")
    var confirmationEpisodes = 100
    @Option(help: "How many of the best kept recipes (distinct, at most one per station) enter confirmation.")
    var confirmationCandidates = 4
    @Option(help: "Start every station from the best recipe of an earlier run (its report.json) instead of the naive one.")
    var initialRecipe: String?
    @Flag(help: "Do not score the naive baseline recipe on the held-out seeds (halves the final scoring).")
    var noBaseline = false
    @Flag(help: "Skip the learned camera policy (DAgger primitive selector distilled from the best recipe).")
    var noLearned = false
    @Option(help: "DAgger rounds of the learned policy.") var learnedRounds = 5
    @Option(help: "Episodes collected per DAgger round of the learned policy.") var learnedEpisodes = 150
    @Flag(help: "Print the result as JSON on standard output.") var json = false

    func validate() throws {
        guard stations >= 1, stations <= 16 else { throw ValidationError("--stations must be 1...16, got \(stations)") }
        try OptionLimits.check(iterations, 1...OptionLimits.iterations, "--iterations")
        guard episodesPerTrial >= 1, episodesPerTrial <= 400 else { throw ValidationError("--episodes-per-trial must be 1...400") }
        try OptionLimits.check(heldOut, 1...OptionLimits.episodes, "--held-out")
        try OptionLimits.check(demonstrations, 0...OptionLimits.episodes, "--demonstrations")
        try OptionLimits.check(bcEpochs, 1...OptionLimits.iterations, "--bc-epochs")
        try OptionLimits.check(bcChunk, 1...OptionLimits.bcChunk, "--bc-chunk")
        try OptionLimits.check(confirmationEpisodes, 0...OptionLimits.episodes, "--confirmation-episodes")
        try OptionLimits.check(confirmationCandidates, 0...64, "--confirmation-candidates")
        try OptionLimits.check(learnedRounds, 1...100, "--learned-rounds")
        try OptionLimits.check(learnedEpisodes, 1...10_000, "--learned-episodes")
    }

    func run() async throws {
        if let resume, output != nil {
            throw ValidationError("give either --resume \(resume) or --output, not both (a resumed run writes into its own folder)")
        }
        var configuration = PushTCampaign.Configuration()
        configuration.stations = stations
        configuration.iterations = iterations
        configuration.episodesPerTrial = episodesPerTrial
        configuration.heldOutEpisodes = heldOut
        configuration.demonstrations = demonstrations
        configuration.bcEpochs = bcEpochs
        configuration.bcChunk = bcChunk
        configuration.bcEvaluationEpisodes = min(50, heldOut)
        configuration.seed = seed
        configuration.robotReset = robotReset
        configuration.scoreBaseline = !noBaseline
        configuration.learnedPolicy = !noLearned
        configuration.learnedRounds = learnedRounds
        configuration.learnedEpisodesPerRound = learnedEpisodes
        configuration.confirmationEpisodes = max(0, confirmationEpisodes)
        configuration.confirmationCandidates = max(0, confirmationCandidates)
        if let initialRecipe {
            let url = URL(fileURLWithPath: initialRecipe)
            let data = try SafeFile.read(url, limit: 1 << 26)
            struct Earlier: Decodable { var bestRecipe: Recipe }
            guard let earlier = try? JSONDecoder().decode(Earlier.self, from: data),
                  earlier.bestRecipe.family == PushTPlannerRecipes.family else {
                throw CommandFailure("\(url.path) holds no Push-T planner bestRecipe (is it an `enpire main` report.json?)")
            }
            configuration.initialRecipe = earlier.bestRecipe
        }
        let start = Date()
        let log: @Sendable (String) -> Void = { line in
            let elapsed = String(format: "%6.1fs", Date().timeIntervalSince(start))
            FileHandle.standardError.write(Data("[\(elapsed)] \(line)\n".utf8))
        }
        if cameraReward, resume == nil {
            let report = try PushTRewardStudy(clips: 50).calibrate()
            configuration.cameraReward = report.model
            log("camera reward calibrated on 50 labelled clips: threshold \(String(format: "%.4f", report.model.threshold)), "
                + "confirmation margin \(report.model.boundaryMargin), validation accuracy "
                + String(format: "%.2f", report.validation.accuracy))
        }
        let stamp = ISO8601DateFormatter().string(from: Date()).replacingOccurrences(of: ":", with: "-")
        let folder = URL(fileURLWithPath: resume ?? output ?? "reports/main-\(stamp)")
        let campaign = try resume.map { _ in try PushTCampaign.resuming(output: folder) }
            ?? PushTCampaign(configuration: configuration, output: folder)
        let result = try await campaign.run(log: log)
        let report = try PushTCampaignReport.write(result, to: folder)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(result), as: UTF8.self))
        } else {
            print("report: \(report.path)")
            let scores = [result.best, result.baseline, result.behaviourCloning, result.learned].compactMap { $0 }
            print("held-out: " + scores.map { "\($0.policy) \($0.successes)/\($0.trials)" }.joined(separator: ", "))
        }
    }
}
