import ArgumentParser
import Enpire
import EnpireTasks
import EnpireResearch
import Foundation
import Logging

/// `enpire study ...`: measurements over whole campaigns.
struct StudyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "study", abstract: "Measurements over whole simulated campaigns.", subcommands: [Scaling.self, Interventions.self])

    /// Fleet-size scaling: robot time to 95% and 99% development success with 1, 2, 4, 8 stations.
    struct Scaling: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Robot time for a simulated Push-T fleet to reach 95% and 99% success, by fleet size.",
            discussion: """
                Every station gets the same budget (iterations x episodes per trial) and starts from the same \
                naive recipe; stations share kept results through a Git fleet. Fleet time to a rate is the \
                robot time of the first station to reach it (stations run in parallel). Repeated over seeds.
                """)
        @Option(help: "Fleet sizes.") var stations: [Int] = [1, 2, 4, 8]
        @Option(help: "Research iterations per station.") var iterations = 10
        @Option(help: "Episodes per trial.") var episodesPerTrial = 20
        @Option(help: "Researcher seeds to average over.") var seeds = 2
        @Option(help: "Output folder (each run writes into a new run-<time> subfolder).") var output = "reports/scaling"
        @Option(help: ArgumentHelp("Progress on standard error: text lines (a bar on a terminal), or json (one JSON object per line: log lines and progress events with an ETA).", valueName: "text|json"))
        var progress: ProgressFormat = .text

        struct Row: Codable {
            var stations: Int
            var seed: UInt64
            var robotMinutesTo95: Double?
            var robotMinutesTo99: Double?
            var fleetRobotMinutes: Double
            var wallSeconds: Double
        }

        func validate() throws {
            guard !stations.isEmpty, stations.allSatisfy({ (1...16).contains($0) }) else {
                throw ValidationError("--stations values must be 1...16")
            }
            try OptionLimits.check(iterations, 1...OptionLimits.iterations, "--iterations")
            try OptionLimits.check(seeds, 1...1_000, "--seeds")
            try OptionLimits.check(episodesPerTrial, 1...400, "--episodes-per-trial")
        }

        func run() async throws {
            let stamp = ISO8601DateFormatter().string(from: Date()).replacingOccurrences(of: ":", with: "-")
            let folder = URL(fileURLWithPath: output).appendingPathComponent("run-\(stamp)")
            var rows: [Row] = []
            let studyStart = Date()
            let progressOutput = progress.output(since: studyStart)
            let logger = progressOutput.logger(label: "enpire.study.scaling")
            let runs = stations.count * seeds
            progressOutput.report(ProgressEvent(phase: "scaling", done: 0, total: runs, since: studyStart))
            for count in stations {
                for seed in 1...UInt64(seeds) {
                    var configuration = PushTCampaign.Configuration()
                    configuration.research.stations = count
                    configuration.research.iterations = iterations
                    configuration.research.episodesPerTrial = episodesPerTrial
                    configuration.research.seed = seed
                    configuration.research.finalEvaluation = false
                    configuration.research.heldOutEpisodes = 1
                    let start = Date()
                    let result = try await PushTCampaign(
                        configuration: configuration,
                        output: folder.appendingPathComponent("n\(count)-seed\(seed)")).run(logger: .init(label: "enpire.study.scaling") { _ in SwiftLogNoOpLogHandler() })
                    let row = Row(stations: count, seed: seed,
                                  robotMinutesTo95: result.research.fleetRobotSeconds(toReach: 0.95).map { $0 / 60 },
                                  robotMinutesTo99: result.research.fleetRobotSeconds(toReach: 0.99).map { $0 / 60 },
                                  fleetRobotMinutes: result.research.researchRobotSeconds / 60,
                                  wallSeconds: Date().timeIntervalSince(start))
                    rows.append(row)
                    let event = ProgressEvent(phase: "scaling", done: rows.count, total: runs, since: studyStart)
                    logger.info("stations \(count) seed \(seed): to 95% \(row.robotMinutesTo95.map { String(format: "%.1f", $0) } ?? "-") min, to 99% \(row.robotMinutesTo99.map { String(format: "%.1f", $0) } ?? "-") min (robot time), \(Int(row.wallSeconds)) s wall, \(event.etaText)")
                    progressOutput.report(event)
                }
            }
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(rows).write(to: folder.appendingPathComponent("scaling.json"), options: .atomic)
            var md = "# Fleet scaling (simulated Push-T)\n\n\(iterations) iterations x \(episodesPerTrial) episodes per station; "
            md += "mean over \(seeds) researcher seeds; a run that never reached a rate counts as its full budget (marked +).\n\n"
            md += "| stations | robot minutes to 95% | robot minutes to 99% | speed-up to 95% vs 1 |\n|---|---|---|---|\n"
            func mean(_ values: [Row], _ key: (Row) -> Double?) -> (Double, Bool) {
                let filled = values.map { key($0) ?? $0.fleetRobotMinutes / Double($0.stations) }
                return (filled.reduce(0, +) / Double(filled.count), values.contains { key($0) == nil })
            }
            let base = mean(rows.filter { $0.stations == stations.min() ?? 1 }, \.robotMinutesTo95).0
            for count in stations {
                let group = rows.filter { $0.stations == count }
                let m95 = mean(group, \.robotMinutesTo95), m99 = mean(group, \.robotMinutesTo99)
                md += "| \(count) | \(String(format: "%.1f", m95.0))\(m95.1 ? "+" : "") | \(String(format: "%.1f", m99.0))\(m99.1 ? "+" : "") | "
                md += "\(String(format: "%.2f", base / max(m95.0, 1e-9)))x |\n"
            }
            try Data(md.utf8).write(to: folder.appendingPathComponent("scaling.md"), options: .atomic)
            CommandOutput.current.line(md)
        }
    }
}
