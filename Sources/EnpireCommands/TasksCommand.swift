import ArgumentParser
import Enpire
import EnpireResearch
import EnpireTasks
import Foundation

/// `enpire tasks`: the registered tasks, their recipe spaces, baselines and options.
struct TasksCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tasks", abstract: "List the registered tasks: recipe parameters, baseline, options, criteria.")
    @Flag(help: "Print JSON instead of text.") var json = false

    func run() async throws {
        let entries = TaskRegistry.shared.all.map(TaskSummary.init)
        if json { try printJSON(entries); return }
        for entry in entries {
            CommandOutput.current.line("\(entry.name)\(entry.aliases.isEmpty ? "" : " (\(entry.aliases.joined(separator: ", ")))"): \(entry.summary)")
            CommandOutput.current.line("  recipe \(entry.space.family): " + entry.space.ranges.map {
                "\($0.name) in [\($0.lower), \($0.upper)]\($0.isInteger ? " integer" : "")\($0.logScale ? " log" : "")"
            }.joined(separator: "; "))
            CommandOutput.current.line("  baseline \(entry.baseline); at most \(entry.episodeLimit) control steps; success: \(entry.criteria.successDefinition)")
            for (name, meaning) in entry.options.sorted(by: { $0.key < $1.key }) { CommandOutput.current.line("  --task-option \(name)=... \(meaning)") }
            if let privilege = entry.privilege { CommandOutput.current.line("  privileged: \(privilege)") }
        }
    }
}
