public import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where the `enpire` commands write their human and JSON output (standard output) and their progress, log lines
/// and notes (standard error).
///
/// The commands never write to the process's streams themselves: they write to ``current``, which is
/// ``terminal`` unless a caller runs them with another sink, as ``EnpireTool/run(_:output:)`` does. Tests and a
/// lab's own tool capture the output with ``capturing()``.
public struct CommandOutput: Sendable {
    /// Receives bytes meant for standard output.
    public var standardOutput: @Sendable (Data) -> Void
    /// Receives bytes meant for standard error.
    public var standardError: @Sendable (Data) -> Void
    /// Whether standard error is a terminal (progress bars are drawn only then).
    public var standardErrorIsTerminal: Bool

    /// Creates a sink from two writers.
    public init(standardOutput: @escaping @Sendable (Data) -> Void, standardError: @escaping @Sendable (Data) -> Void,
                standardErrorIsTerminal: Bool = false) {
        self.standardOutput = standardOutput
        self.standardError = standardError
        self.standardErrorIsTerminal = standardErrorIsTerminal
    }

    /// The process's standard output and standard error.
    public static var terminal: CommandOutput {
        CommandOutput(standardOutput: { FileHandle.standardOutput.write($0) },
                      standardError: { FileHandle.standardError.write($0) },
                      standardErrorIsTerminal: isatty(STDERR_FILENO) == 1)
    }

    /// The sink of the command running in this task (``terminal`` by default). Work a command moves to threads
    /// outside Swift concurrency should capture it first.
    @TaskLocal public static var current: CommandOutput = .terminal

    /// Writes `text` and a newline to standard output.
    public func line(_ text: String) {
        standardOutput(Data((text + "\n").utf8))
    }

    /// A sink that keeps everything written to it, and the record to read it from.
    public static func capturing() -> (output: CommandOutput, captured: CapturedCommandOutput) {
        let captured = CapturedCommandOutput()
        let output = CommandOutput(standardOutput: { captured.append($0, error: false) },
                                   standardError: { captured.append($0, error: true) })
        return (output, captured)
    }
}

/// What a ``CommandOutput/capturing()`` sink received.
public final class CapturedCommandOutput: Sendable {
    private let streams = Mutex<(output: Data, error: Data)>((Data(), Data()))

    init() {}

    func append(_ data: Data, error: Bool) {
        streams.withLock { streams in
            if error { streams.error.append(data) } else { streams.output.append(data) }
        }
    }

    /// Everything written to standard output, as UTF-8 text.
    public var standardOutput: String { String(decoding: streams.withLock { $0.output }, as: UTF8.self) }
    /// Everything written to standard error, as UTF-8 text.
    public var standardError: String { String(decoding: streams.withLock { $0.error }, as: UTF8.self) }
}
