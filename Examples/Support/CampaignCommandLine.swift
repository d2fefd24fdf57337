public import EnpireResearch
import Foundation
import Logging

/// A task's own research executable in a few lines: parses `--stations N --iterations N --episodes N --held-out N
/// --confirmation N --seed N --output DIR` and `--no-baseline`, runs `ResearchCampaign` on the task, writes the report
/// and prints the held-out scores. It is example code shared by the three example executables (target
/// `ExampleSupport`, not a product): it prints, so it stays out of the libraries Enpire ships; a lab copies it into
/// its own executable.
public enum CampaignCommandLine {
    /// Sizes for an example run: 2 stations, 4 iterations of 10 episodes, 20 confirmation and 100 held-out episodes.
    public static var exampleDefaults: ResearchCampaign.Configuration {
        var defaults = ResearchCampaign.Configuration()
        defaults.stations = 2
        defaults.iterations = 4
        defaults.episodesPerTrial = 10
        defaults.heldOutEpisodes = 100
        defaults.confirmationEpisodes = 20
        return defaults
    }

    /// A research executable's whole `main`: ``run(task:defaults:arguments:defaultOutput:)`` on the process's
    /// arguments; a failure prints one line `Error: ...` on standard error and exits with status 1.
    public static func main(task: any ResearchTask, defaults: ResearchCampaign.Configuration = exampleDefaults,
                            defaultOutput: String) async {
        do {
            try await run(task: task, defaults: defaults, arguments: Array(CommandLine.arguments.dropFirst()),
                          defaultOutput: defaultOutput)
        } catch {
            FileHandle.standardError.write(Data("Error: \(error)\n".utf8))
            exit(1)
        }
    }

    /// Runs the campaign with `defaults` overridden by `arguments` (without the program name); returns the result.
    /// Unknown options or bad values throw a ``ResearchError/badOption(task:option:reason:)``.
    @discardableResult
    public static func run(task: any ResearchTask, defaults: ResearchCampaign.Configuration,
                           arguments: [String], defaultOutput: String) async throws -> ResearchResult {
        var configuration = defaults
        var output = defaultOutput
        var index = 0
        while index < arguments.count {
            let name = arguments[index]
            if name == "--no-baseline" {
                configuration.scoreBaseline = false
                index += 1
                continue
            }
            guard index + 1 < arguments.count else {
                throw ResearchError.badOption(task: task.name, option: name, reason: "needs a value")
            }
            let value = arguments[index + 1]
            func count(_ range: ClosedRange<Int>) throws -> Int {
                guard let number = Int(value), range.contains(number) else {
                    throw ResearchError.badOption(task: task.name, option: name,
                                                  reason: "expected \(range.lowerBound)...\(range.upperBound), got \(value)")
                }
                return number
            }
            switch name {
            case "--stations": configuration.stations = try count(1...16)
            case "--iterations": configuration.iterations = try count(1...10_000)
            case "--episodes": configuration.episodesPerTrial = try count(1...400)
            case "--held-out": configuration.heldOutEpisodes = try count(1...100_000)
            case "--confirmation": configuration.confirmationEpisodes = try count(0...100_000)
            case "--seed": configuration.seed = UInt64(try count(0...Int.max))
            case "--output": output = value
            default:
                throw ResearchError.badOption(task: task.name, option: name, reason: "known options: --stations, "
                                              + "--iterations, --episodes, --held-out, --confirmation, --seed, --output, --no-baseline")
            }
            index += 2
        }
        let folder = URL(fileURLWithPath: output)
        let campaign = ResearchCampaign(task: task, configuration: configuration, output: folder)
        let logger = Logger(label: "enpire.example") { label in StreamLogHandler.standardError(label: label) }
        let result = try await campaign.run(logger: logger)
        let intro = "Task: \(task.summary).\n"
        let report = try await ResearchReport.write(result, json: result, title: "\(task.name): research report",
                                              introduction: intro, to: folder)
        let scores = [result.best, result.baseline].compactMap { $0 }
        print("held-out: " + scores.map { "\($0.policy) \($0.successes)/\($0.trials) (Wilson 95% \(Percent.text($0.wilsonLower))-\(Percent.text($0.wilsonUpper)))" }
            .joined(separator: ", "))
        print("report: \(report.path)")
        return result
    }
}

