import Foundation
import Subprocess
#if canImport(System)
import System
#else
import SystemPackage
#endif

/// Runs child processes through swift-subprocess: the program looked up like a shell would, its output collected
/// with bounded memory (the end of it), an optional time limit, and errors that say what to do.
///
/// For commands that run to completion from async code (a converter, a rasteriser, a broker command). A child
/// that synchronous code drives line by line (a policy process), or that synchronous code runs from many tasks at
/// once (Python probes in tests, policy builds during trials), keeps Foundation's `Process`: swift-subprocess runs
/// children only from async code and briefly needs a free thread of the concurrency pool for each.
public enum ChildProcess {
    /// Bytes of each output stream kept by default (its end).
    public static let defaultOutputLimit = 64 << 10

    /// Runs `command` to its end and returns how it ended with the end of its output.
    ///
    /// - Parameters:
    ///   - command: the program, its arguments, environment and working folder.
    ///   - combineOutputs: standard error goes to the same pipe as standard output (in the order written).
    ///   - timeout: seconds after which the child gets SIGTERM (`nil`: no limit); the result says it timed out.
    ///   - outputLimit: bytes kept of each stream (its end); the child may print any amount.
    ///   - onOutputLine: called with each line of standard output as it arrives (without the newline).
    /// - Throws: ``ChildProcessError/notFound(program:)`` or ``ChildProcessError/cannotStart(command:reason:)``;
    ///   a non-zero exit is a result, not an error (see ``ChildProcessResult/succeeded``).
    public static func run(_ command: ChildCommand, combineOutputs: Bool = false, timeout: Double? = nil,
                           outputLimit: Int = defaultOutputLimit,
                           onOutputLine: (@Sendable (String) -> Void)? = nil) async throws -> ChildProcessResult {
        let configuration = Configuration(
            executable: command.program.contains("/") ? .path(FilePath(command.program)) : .name(command.program),
            arguments: Arguments(command.arguments),
            environment: command.environment.map { environment in
                .custom(Dictionary(uniqueKeysWithValues: environment.compactMap { key, value in
                    Environment.Key(rawValue: key).map { ($0, value) }
                }))
            } ?? .inherit,
            workingDirectory: command.workingDirectory.map { FilePath($0.path) })
        do {
            let status: TerminationStatus, collected: Collected
            if combineOutputs {
                let result = try await Subprocess.run(configuration, input: .none, output: .sequence,
                                                      error: .combinedWithOutput) { execution in
                    try await collect(execution.standardOutput, nil, limit: outputLimit, timeout: timeout,
                                      onLine: onOutputLine) { try? execution.send(signal: .terminate) }
                }
                status = result.terminationStatus
                collected = result.closureResult
            } else {
                let result = try await Subprocess.run(configuration, input: .none, output: .sequence,
                                                      error: .sequence) { execution in
                    try await collect(execution.standardOutput, execution.standardError, limit: outputLimit,
                                      timeout: timeout, onLine: onOutputLine) { try? execution.send(signal: .terminate) }
                }
                status = result.terminationStatus
                collected = result.closureResult
            }
            let (code, signalled): (Int32, Bool)
            switch status {
            case .exited(let exit): (code, signalled) = (exit, false)
            case .signaled(let signal): (code, signalled) = (128 + signal, true)
            }
            return ChildProcessResult(status: code, signalled: signalled, timedOut: collected.timedOut,
                                      standardOutput: collected.output, standardError: collected.error)
        } catch let error as SubprocessError {
            throw Self.error(error, command: command)
        }
    }

    /// Runs `command` like ``run(_:combineOutputs:timeout:outputLimit:onOutputLine:)`` and throws
    /// ``ChildProcessError/failed(command:status:standardErrorTail:)`` (with the end of its standard error) unless it
    /// exits with status 0; returns the end of its standard output.
    public static func output(of command: ChildCommand, timeout: Double? = nil,
                              outputLimit: Int = defaultOutputLimit) async throws -> String {
        let result = try await run(command, timeout: timeout, outputLimit: outputLimit)
        guard result.succeeded else {
            throw ChildProcessError.failed(command: command.displayText, status: result.status,
                                           standardErrorTail: String(result.standardError.suffix(2000)))
        }
        return result.standardOutput
    }

    // MARK: Collecting

    private struct Collected: Sendable {
        var output: String
        var error: String
        var timedOut: Bool
    }

    private enum Piece: Sendable {
        case timedOut(Bool)
        case error(String)
    }

    /// Drains `output` (and `error`, concurrently) into bounded tails while a timer stops the child after `timeout`.
    private static func collect(_ output: SubprocessOutputSequence, _ error: SubprocessOutputSequence?, limit: Int,
                                timeout: Double?, onLine: (@Sendable (String) -> Void)?,
                                stop: @escaping @Sendable () -> Void) async throws -> Collected {
        try await withThrowingTaskGroup(of: Piece.self) { group in
            if let timeout {
                group.addTask {
                    do { try await Task.sleep(for: .seconds(timeout)) } catch { return .timedOut(false) }
                    stop()
                    return .timedOut(true)
                }
            }
            if let error {
                group.addTask {
                    var tail = OutputTail(limit: limit)
                    for try await chunk in error { chunk.withUnsafeBytes { tail.append($0, onLine: nil) } }
                    return .error(tail.text)
                }
            }
            var tail = OutputTail(limit: limit)
            for try await chunk in output { chunk.withUnsafeBytes { tail.append($0, onLine: onLine) } }
            tail.finish(onLine: onLine)
            var collected = Collected(output: tail.text, error: "", timedOut: false)
            var waitingForError = error != nil
            func take(_ piece: Piece) {
                switch piece {
                case .timedOut(let fired): collected.timedOut = collected.timedOut || fired
                case .error(let text): collected.error = text; waitingForError = false
                }
            }
            while waitingForError, let piece = try await group.next() { take(piece) }
            group.cancelAll()
            while let piece = try await group.next() { take(piece) }
            return collected
        }
    }

    private static func error(_ error: SubprocessError, command: ChildCommand) -> ChildProcessError {
        if error.code == .init(.executableNotFound) { return .notFound(program: command.program) }
        if error.code == .init(.spawnFailed), error.underlyingError?.rawValue == ENOENT {
            return .notFound(program: command.program)
        }
        return .cannotStart(command: command.displayText, reason: "\(error)")
    }
}
