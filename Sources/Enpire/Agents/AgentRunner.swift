public import Foundation

/// What happened during one run of an external agent.
public struct AgentRunReport: Sendable, Codable, Equatable {
    /// Why the run ended.
    public enum Ending: String, Sendable, Codable {
        /// The agent exited by itself.
        case exited
        /// The wall-clock budget ran out and the agent was stopped.
        case wallBudgetExhausted
        /// The agent reported more tokens than its budget and was stopped.
        case tokenBudgetExhausted
        /// The task waiting for the agent was cancelled and the agent was stopped.
        case cancelled
    }

    /// Why the run ended.
    public var ending: Ending
    /// The agent's exit status (or the signal that ended it).
    public var exitStatus: Int32
    /// Wall time of the run in seconds.
    public var wallSeconds: Double
    /// Tokens the agent reported.
    public var tokens: Int
    /// Tokens per minute over the run (MTU for this agent).
    public var tokensPerMinute: Double
    /// The last lines of the agent's output, for the ledger and the report.
    public var outputTail: [String]
}

/// Errors starting an agent.
public enum AgentRunnerError: Error, CustomStringConvertible {
    /// The command was empty.
    case emptyCommand
    /// The executable could not be started.
    case launchFailed(String, String)

    /// A message a user can act on.
    public var description: String {
        switch self {
        case .emptyCommand: return "agent command is empty; pass the agent's executable and arguments"
        case .launchFailed(let command, let reason):
            return "could not start agent '\(command)': \(reason). Check the path and that it is executable."
        }
    }
}

/// Runs any command-line coding agent on a station with a generated brief and a budget.
///
/// The brief is written to a file whose path reaches the agent as `ENPIRE_BRIEF`, and replaces the token
/// `{brief}` in the command's arguments; the budgets reach it as `ENPIRE_TRIAL_BUDGET` and `ENPIRE_TOKEN_BUDGET`
/// (the trial budget itself is enforced by whoever serves the agent's trials, see ``AgentBroker``). The agent's
/// standard output and error are read line by line for token reports (see ``TokenMeter``).
///
/// With a ``sandbox`` the agent runs under bubblewrap and sees only what the sandbox exposes, with the sandbox's
/// environment (none of the runner's); without one it runs as an ordinary child with the runner's environment.
/// The agent's whole process group is stopped when its wall or token budget is spent, when the waiting task is
/// cancelled, and when the agent exits (so nothing it started outlives the run); a sandboxed agent also dies
/// with the runner process (`bwrap --die-with-parent`).
public struct AgentRunner: Sendable {
    /// Executable and arguments; `{brief}` in an argument is replaced by the brief's path.
    public var command: [String]
    /// Folder the agent runs in (the station's workspace).
    public var workingDirectory: URL
    /// Extra environment variables.
    public var environment: [String: String]
    /// The budget.
    public var budget: AgentBudget
    /// The sandbox, or `nil` to run the agent unsandboxed.
    public var sandbox: AgentSandbox?

    /// Creates a runner.
    public init(command: [String], workingDirectory: URL, environment: [String: String] = [:], budget: AgentBudget,
                sandbox: AgentSandbox? = nil) {
        self.command = command
        self.workingDirectory = workingDirectory
        self.environment = environment
        self.budget = budget
        self.sandbox = sandbox
    }

    /// Runs the agent with `brief` until it exits or a budget runs out; `onLine` sees every output line.
    public func run(brief: String, onLine: @escaping @Sendable (String) -> Void = { _ in }) async throws
        -> AgentRunReport {
        try budget.validate()
        guard let executable = command.first else { throw AgentRunnerError.emptyCommand }
        let briefURL = workingDirectory.appendingPathComponent("AGENT_BRIEF.md")
        try FileManager.default.createDirectory(at: workingDirectory, withIntermediateDirectories: true)
        try Data(brief.utf8).write(to: briefURL, options: .atomic)

        let arguments = command.dropFirst().map { $0.replacingOccurrences(of: "{brief}", with: briefURL.path) }
        var agentEnvironment = [
            "ENPIRE_BRIEF": briefURL.path, "ENPIRE_TRIAL_BUDGET": String(budget.trials),
            "ENPIRE_TOKEN_BUDGET": String(budget.tokens),
        ]
        for (key, value) in environment { agentEnvironment[key] = value }
        let process = Process()
        process.currentDirectoryURL = workingDirectory
        if var sandbox {
            guard let path = Self.locate(executable, path: ProcessInfo.processInfo.environment["PATH"]) else {
                throw AgentRunnerError.launchFailed(executable, "not found on PATH")
            }
            sandbox.readOnly.append(URL(fileURLWithPath: path))
            for (key, value) in agentEnvironment { sandbox.environment[key] = value }
            process.executableURL = URL(fileURLWithPath: sandbox.bubblewrap)
            process.arguments = try sandbox.arguments(for: [path] + arguments)
            // bwrap's own environment stays visible in the sandbox (/proc/1/environ): give it only the sandbox's.
            process.environment = sandbox.environment
        } else {
            process.executableURL = URL(fileURLWithPath: executable.contains("/") ? executable : "/usr/bin/env")
            process.arguments = executable.contains("/") ? Array(arguments) : [executable] + arguments
            process.environment = ProcessInfo.processInfo.environment.merging(agentEnvironment) { $1 }
        }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice

        let state = RunState()
        let start = ContinuousClock.now
        let tokenLimit = budget.tokens
        let wallSeconds = budget.wallSeconds
        // Launching, reading, the deadline and the kill run on threads of their own, not on Swift's cooperative
        // pool or Dispatch's width-limited global queues: busy tasks elsewhere in the process must not delay
        // enforcing an agent's budget. The launching thread lives until the agent exits, which `--die-with-parent`
        // (a parent-death signal, tied to the thread that started bwrap) needs.
        let launched: Result<Void, AgentRunnerError> = await withTaskCancellationHandler {
            await withCheckedContinuation { (finished: CheckedContinuation<Result<Void, AgentRunnerError>, Never>) in
                Thread.detachNewThread {
                    do { try process.run() } catch {
                        finished.resume(returning: .failure(.launchFailed(command.joined(separator: " "), error.localizedDescription)))
                        return
                    }
                    state.markLaunched(process)
                    Thread.detachNewThread {
                        let deadline = Date().addingTimeInterval(wallSeconds)
                        while !hasExited(process), Date() < deadline { usleep(10_000) }
                        if !hasExited(process) {
                            if state.markWallExhausted() { stopGroup(of: process) }
                        } else {
                            // The agent exited: whatever it left running in its group goes too.
                            killGroup(of: process, signal: SIGKILL)
                        }
                    }
                    var pending = Data()
                    let handle = pipe.fileHandleForReading
                    func deliver(_ line: String) {
                        onLine(line)
                        if state.consume(line, tokenLimit: tokenLimit) { stopGroup(of: process) }
                    }
                    while true {
                        let chunk = handle.availableData
                        if chunk.isEmpty { break }
                        pending.append(chunk)
                        while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                            deliver(String(decoding: pending[pending.startIndex..<newline], as: UTF8.self))
                            pending.removeSubrange(pending.startIndex...newline)
                        }
                    }
                    if !pending.isEmpty { deliver(String(decoding: pending, as: UTF8.self)) }
                    process.waitUntilExit()
                    state.markFinished()
                    finished.resume(returning: .success(()))
                }
            }
        } onCancel: {
            state.cancel()
        }
        if case .failure(let error) = launched { throw error }
        // The agent's run time ends when it exited, not when this task got a thread back to report it.
        let elapsed = (state.finishedAt ?? ContinuousClock.now) - start
        let seconds = elapsed.inSeconds
        let snapshot = state.snapshot()
        let ending: AgentRunReport.Ending = snapshot.overBudget ? .tokenBudgetExhausted
            : snapshot.wallExhausted ? .wallBudgetExhausted : snapshot.cancelled ? .cancelled : .exited
        return AgentRunReport(ending: ending, exitStatus: process.terminationStatus, wallSeconds: seconds,
                              tokens: snapshot.tokens,
                              tokensPerMinute: seconds > 0 ? Double(snapshot.tokens) / seconds * 60 : 0,
                              outputTail: snapshot.tail)
    }

    /// The absolute path of `executable`: itself when it contains a slash, else the first match on `path`.
    static func locate(_ executable: String, path: String?) -> String? {
        if executable.contains("/") {
            let url = URL(fileURLWithPath: executable).standardizedFileURL
            return FileManager.default.isExecutableFile(atPath: url.path) ? url.path : nil
        }
        return (path ?? "").split(separator: ":").map { "\($0)/\(executable)" }
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}

/// Stops the agent and everything it started: Foundation starts the child in its own process group, so the
/// group gets SIGTERM, and SIGKILL two seconds later if anything is left (an agent's children would otherwise
/// keep the output pipe open).
private func stopGroup(of process: Process) {
    let group = process.processIdentifier
    guard group > 0 else { return }
    kill(-group, SIGTERM)
    Thread.detachNewThread {
        usleep(2_000_000)
        kill(-group, SIGKILL)
    }
}

/// Whether the agent's own process has exited. On Linux this reads its state from `/proc` (a zombie counts as
/// exited): Foundation's `isRunning` stays true while a leftover child still holds the output pipe open.
private func hasExited(_ process: Process) -> Bool {
    #if os(Linux)
    let pid = process.processIdentifier
    guard pid > 0 else { return false }
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
          let close = stat.lastIndex(of: ")") else { return !process.isRunning }
    return stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).hasPrefix("Z")
    #else
    return !process.isRunning
    #endif
}

/// Sends `signal` to the agent's process group (nothing when it never started).
private func killGroup(of process: Process, signal: Int32) {
    let group = process.processIdentifier
    guard group > 0 else { return }
    kill(-group, signal)
}

/// Shared between the reader task and the runner.
private final class RunState: @unchecked Sendable {
    private let lock = NSLock()
    private var meter = TokenMeter()
    private var tail: [String] = []
    private var overBudget = false
    private var wallExhausted = false
    private var cancelled = false
    private var process: Process?
    private var finished: ContinuousClock.Instant?

    /// Remembers the launched agent, stopping it at once if the run was cancelled before it started.
    func markLaunched(_ launched: Process) {
        lock.lock()
        process = launched
        let stop = cancelled
        lock.unlock()
        if stop { stopGroup(of: launched) }
    }

    /// Marks the run cancelled and stops the agent if it is running.
    func cancel() {
        lock.lock()
        cancelled = true
        let running = process
        lock.unlock()
        if let running { stopGroup(of: running) }
    }

    /// Records when the agent exited.
    func markFinished() {
        lock.lock()
        defer { lock.unlock() }
        finished = ContinuousClock.now
    }

    /// When the agent exited, if it has.
    var finishedAt: ContinuousClock.Instant? {
        lock.lock()
        defer { lock.unlock() }
        return finished
    }

    /// Returns true the first time the wall budget is marked exhausted.
    func markWallExhausted() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        if wallExhausted || overBudget { return false }
        wallExhausted = true
        return true
    }

    /// Returns true when the token budget was just exceeded.
    func consume(_ line: String, tokenLimit: Int) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        meter.consume(line: line)
        tail.append(line)
        if tail.count > 40 { tail.removeFirst(tail.count - 40) }
        if !overBudget, meter.total > tokenLimit {
            overBudget = true
            return true
        }
        return false
    }

    func snapshot() -> (tokens: Int, tail: [String], overBudget: Bool, wallExhausted: Bool, cancelled: Bool) {
        lock.lock()
        defer { lock.unlock() }
        return (meter.total, tail, overBudget, wallExhausted, cancelled)
    }
}
