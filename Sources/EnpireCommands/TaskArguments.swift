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

/// The `--reality` option: a preset (`clean`, `mild`, `harsh`) or a JSON file of a lab's measured ranges
/// (Docs/SimToReal.md), used as `@Option(help: RealityOption.help, transform: RealityOption.parse)`.
enum RealityOption {
    /// Loads `argument`, turning a bad name or file into a usage error with the loader's message.
    static func parse(_ argument: String) throws -> PushTReality {
        do { return try PushTReality.load(nameOrPath: argument) } catch { throw ValidationError("--reality: \(error)") }
    }

    /// Loads `argument` as a reality of the task named `task` (`pusht`, `pin`, `ziptie`) and tells whether it is
    /// clean; a task without a perturbation model, a bad name or a bad file is a usage error.
    static func isClean(_ argument: String, task: String) throws -> Bool {
        do {
            switch task {
            case "pusht": return try PushTReality.load(nameOrPath: argument).isClean
            case "pin": return try PinInsertionReality.load(nameOrPath: argument).isClean
            case "ziptie": return try ZipTieReality.load(nameOrPath: argument).isClean
            default: throw ValidationError("--reality: task \(task) has no perturbation model (pusht, pin and ziptie have)")
            }
        } catch let error as ValidationError { throw error } catch { throw ValidationError("--reality: \(error)") }
    }

    /// Help text for a `--reality` option.
    static let help = ArgumentHelp(
        "Simulated departure from the clean simulator, drawn per episode from the seed: clean, mild, harsh or a JSON "
            + "file of measured ranges (Docs/SimToReal.md).", valueName: "name|file")
}
