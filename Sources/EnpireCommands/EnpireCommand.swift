import ArgumentParser
import Enpire
import EnpireTasks
import Foundation

/// The `enpire` tool's entry point.
///
/// The commands live in this library target so that they can be tested and so that a lab can build its own
/// `enpire` with its own tasks registered: register them in `TaskRegistry.shared`, then call ``main(output:)``.
public enum EnpireTool {
    /// Parses the process's arguments and runs the command with its output going to `output` (by default the
    /// process's standard output and error); exits the process.
    public static func main(output: CommandOutput = .terminal) async {
        await CommandOutput.$current.withValue(output) {
            await EnpireCommand.main()
        }
    }

    /// Parses `arguments` (without the program name) and runs the command with its output going to `output`.
    /// Unlike ``main(output:)`` it does not exit: it throws a usage error or the command's failure.
    public static func run(_ arguments: [String], output: CommandOutput) async throws {
        BuiltInTasks.register()
        var command = try EnpireCommand.parseAsRoot(arguments)
        try await CommandOutput.$current.withValue(output) {
            if var asynchronous = command as? any AsyncParsableCommand {
                try await asynchronous.run()
            } else {
                try command.run()
            }
        }
    }
}

/// The `enpire` command: drive a station from a shell or a coding agent.
struct EnpireCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "enpire",
        abstract: "Train a robot station on its own: reset, act safely, judge, learn, evaluate, share.",
        subcommands: [MainCommand.self, TasksCommand.self, InitCommand.self, StatusCommand.self, TrialCommand.self, AdoptCommand.self, DecideCommand.self,
                      RevertCommand.self, LedgerCommand.self, EvalCommand.self, FleetCommand.self, AgentCommand.self,
                      StudyCommand.self, SimCommand.self, RewardCommand.self, DebugCommand.self, VerifierCommand.self,
                      LearnCommand.self, PolicyCommand.self, MCPCommand.self, DatasetCommand.self, EStopCommand.self,
                      DashboardCommand.self])

    /// Parses and runs a subcommand. Usage errors (bad or missing options, a value out of its documented range)
    /// exit 64 with the usage; every other failure prints one line `Error: ...` and exits 1.
    static func main() async {
        BuiltInTasks.register()
        let command: any ParsableCommand
        do {
            command = try await asyncParseAsRoot()
        } catch {
            exit(withError: error)
        }
        do {
            if var asynchronous = command as? any AsyncParsableCommand {
                try await asynchronous.run()
            } else {
                var synchronous = command
                try synchronous.run()
            }
        } catch {
            exit(withError: CommandFailure.presentable(error))
        }
    }
}

/// A runtime failure of a command (a missing or unreadable file, a refused model, a failed write): printed as
/// one line and exit status 1. Usage errors stay `ValidationError` (exit 64).
struct CommandFailure: Error, CustomStringConvertible {
    /// The one-line message.
    let description: String

    init(_ message: String) { description = message }

    /// `error` as ArgumentParser should report it: its own exits and usage errors unchanged, anything else as
    /// one line (no `NSError` or `DecodingError` dump) with exit status 1.
    static func presentable(_ error: any Error) -> any Error {
        switch error {
        case is ValidationError, is ExitCode, is CleanExit, is CommandFailure: return error
        // ArgumentParser's own requests (`--help`, `help SUBCOMMAND`, `--version`) run as built-in commands that
        // throw its internal `CommandError`; it prints them itself.
        case _ where String(reflecting: type(of: error)).hasPrefix("ArgumentParser."): return error
        default: return CommandFailure(ErrorMessage.oneLine(error))
        }
    }
}

/// Documented upper bounds on counts given as options. Each sizes an allocation or a loop, so a typo such as
/// `--held-out 2000000000` is a usage error (exit 64) rather than a process that allocates until it is killed.
/// Docs/Formats.md lists them ("Limits on files and options").
enum OptionLimits {
    /// Episodes or seeds one command may run or list (held-out, seeds, clips, cases, demonstrations).
    static let episodes = 100_000
    /// Worker threads.
    static let workers = 64
    /// Actions predicted per observation by a behaviour-cloned network (`--bc-chunk`).
    static let bcChunk = 64
    /// Training epochs or research iterations.
    static let iterations = 10_000
    /// Control steps per episode.
    static let steps = 100_000

    /// Refuses `value` outside `range` with a usage error naming the option.
    static func check(_ value: Int, _ range: ClosedRange<Int>, _ option: String) throws {
        guard range.contains(value) else {
            throw ValidationError("\(option) must be \(range.lowerBound)...\(range.upperBound), got \(value)")
        }
    }
}

/// Largest JPEG file read from a path given on the command line (64 MiB).
let maximumJPEGFileBytes = 1 << 26

/// Writes a command's `--output` file: atomically, through an existing symbolic link, never over a device,
/// FIFO, socket or folder (see `SafeFile.write`).
func writeOutput(_ data: Data, to path: String) throws {
    try SafeFile.write(data, to: URL(fileURLWithPath: path))
}
