public import Foundation

/// A program to start as a child process: what to run, its arguments, environment and working folder.
public struct ChildCommand: Sendable, Equatable {
    /// The program: a name looked up on `PATH` (of ``environment`` when given, else the caller's) or a path.
    public var program: String
    /// The arguments after the program.
    public var arguments: [String]
    /// The whole environment of the child, or `nil` to inherit the caller's.
    public var environment: [String: String]?
    /// The folder the child starts in, or `nil` for the caller's.
    public var workingDirectory: URL?

    /// Creates a command that runs `program` with `arguments`.
    public init(_ program: String, arguments: [String] = [], environment: [String: String]? = nil,
                workingDirectory: URL? = nil) {
        self.program = program
        self.arguments = arguments
        self.environment = environment
        self.workingDirectory = workingDirectory
    }

    /// The command as one line for messages (program and arguments, cut after 200 characters).
    public var displayText: String {
        let text = ([program] + arguments).joined(separator: " ")
        return text.count > 200 ? String(text.prefix(200)) + "…" : text
    }
}

/// How a child process ended and the end of what it printed.
public struct ChildProcessResult: Sendable, Equatable {
    /// The exit code, or 128 plus the signal number when a signal ended it (as shells report it).
    public var status: Int32
    /// Whether a signal ended the child.
    public var signalled: Bool
    /// Whether the child was stopped because it ran past its time limit.
    public var timedOut: Bool
    /// The end of its standard output (with standard error when the two were combined), at most the output limit.
    public var standardOutput: String
    /// The end of its standard error (empty when combined with standard output), at most the output limit.
    public var standardError: String

    /// Creates a result.
    public init(status: Int32, signalled: Bool, timedOut: Bool, standardOutput: String, standardError: String) {
        self.status = status
        self.signalled = signalled
        self.timedOut = timedOut
        self.standardOutput = standardOutput
        self.standardError = standardError
    }

    /// Whether the child exited with status 0.
    public var succeeded: Bool { status == 0 && !signalled }
}

/// Why a child process could not be run or did not succeed.
public enum ChildProcessError: Error, CustomStringConvertible, Equatable {
    /// The program is not installed (not on `PATH`, or no such file).
    case notFound(program: String)
    /// The program exists but could not be started (permissions, a missing working folder).
    case cannotStart(command: String, reason: String)
    /// The program ran and exited with a non-zero status (or was ended by a signal or the time limit).
    case failed(command: String, status: Int32, standardErrorTail: String)

    /// A message a user can act on.
    public var description: String {
        switch self {
        case .notFound(let program):
            return "`\(program)` is not installed or not on PATH: install it (scripts/setup.sh lists the Debian "
                + "packages) or give its full path"
        case let .cannotStart(command, reason):
            return "could not start `\(command)`: \(reason)"
        case let .failed(command, status, tail):
            let trimmed = tail.trimmingCharacters(in: .whitespacesAndNewlines)
            return "`\(command)` failed with status \(status)" + (trimmed.isEmpty ? "" : "; its standard error ends:\n\(trimmed)")
        }
    }
}
