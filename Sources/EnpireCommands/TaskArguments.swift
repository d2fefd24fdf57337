import ArgumentParser
import Enpire
import EnpireResearch
import EnpireSim
import EnpireTasks
import Foundation

/// A `--task` value: the name (or an alias) of a task in the registry (the built-in ones plus any a lab registered
/// before running the commands).
struct TaskName: ExpressibleByArgument, Sendable {
    /// The registered task.
    let task: any ResearchTask

    init?(argument: String) {
        BuiltInTasks.register()
        guard let task = try? TaskRegistry.shared.task(named: argument) else { return nil }
        self.task = task
    }

    init(_ task: any ResearchTask) { self.task = task }

    static var allValueStrings: [String] {
        BuiltInTasks.register()
        return TaskRegistry.shared.all.map(\.name)
    }

    var defaultValueDescription: String { task.name }

    /// Help text for a `--task` option.
    static var help: ArgumentHelp {
        ArgumentHelp("Task: \(allValueStrings.joined(separator: ", ")) (or a task your program registered).",
                     valueName: "task")
    }
}

/// A `NAME=VALUE` pair on the command line (recipe parameters, task options).
struct Assignment: ExpressibleByArgument, Sendable {
    let name: String
    let value: String

    init?(argument: String) {
        guard let equals = argument.firstIndex(of: "="), equals != argument.startIndex else { return nil }
        name = String(argument[..<equals])
        value = String(argument[argument.index(after: equals)...])
    }

    /// The value as a finite number, or a usage error naming the parameter.
    func number() throws -> Double {
        guard let number = Double(value), number.isFinite else {
            throw ValidationError("\(name)=\(value): the value must be a finite number")
        }
        return number
    }

    /// Assignments as a dictionary; a name given twice is a usage error.
    static func dictionary(_ assignments: [Assignment]) throws -> [String: String] {
        var result: [String: String] = [:]
        for item in assignments {
            guard result[item.name] == nil else { throw ValidationError("\(item.name) is given twice") }
            result[item.name] = item.value
        }
        return result
    }
}

/// How a long command reports progress on standard error.
enum ProgressFormat: String, ExpressibleByArgument, CaseIterable, Sendable {
    /// `[  12.3s] message` lines.
    case text
    /// One JSON object per line: `{"event":"log",...}` for each message, `{"event":"progress",...}` with
    /// phase, done, total and eta_seconds for each progress event.
    case json

    /// The log closure for this format.
    func log(since start: Date) -> @Sendable (String) -> Void {
        let json = self == .json
        return { line in
            let elapsed = Date().timeIntervalSince(start)
            if json {
                Self.writeJSON(["event": "log", "elapsed_seconds": (elapsed * 10).rounded() / 10, "message": line])
            } else {
                FileHandle.standardError.write(Data("[\(String(format: "%6.1fs", elapsed))] \(line)\n".utf8))
            }
        }
    }

    /// The progress-event closure for this format (`nil` for text: the log lines carry the ETA).
    func events(since start: Date) -> (@Sendable (ProgressEvent) -> Void)? {
        guard self == .json else { return nil }
        return { event in
            var object: [String: Any] = ["event": "progress", "phase": event.phase, "done": event.done,
                                         "elapsed_seconds": (Date().timeIntervalSince(start) * 10).rounded() / 10]
            if !event.label.isEmpty { object["label"] = event.label }
            if let total = event.total { object["total"] = total }
            if let eta = event.etaSeconds { object["eta_seconds"] = (eta * 10).rounded() / 10 }
            Self.writeJSON(object)
        }
    }

    private static func writeJSON(_ object: [String: Any]) {
        guard var data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]) else { return }
        data.append(0x0a)
        FileHandle.standardError.write(data)
    }
}

/// The `--reality` option: a preset (`clean`, `mild`, `harsh`) or a JSON file of a lab's measured ranges
/// (Docs/SimToReal.md), used as `@Option(help: RealityOption.help, transform: RealityOption.parse)`.
enum RealityOption {
    /// Loads `argument`, turning a bad name or file into a usage error with the loader's message.
    static func parse(_ argument: String) throws -> PushTReality {
        do { return try PushTReality.load(nameOrPath: argument) } catch { throw ValidationError("--reality: \(error)") }
    }

    /// Help text for a `--reality` option.
    static let help = ArgumentHelp(
        "Simulated departure from the clean simulator, drawn per episode from the seed: clean, mild, harsh or a JSON "
            + "file of measured ranges (Docs/SimToReal.md).", valueName: "name|file")
}
