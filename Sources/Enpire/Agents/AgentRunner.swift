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
/// `{brief}` in the command's arguments; the trial budget reaches it as `ENPIRE_TRIAL_BUDGET` (the trial
/// runner enforces it). The agent's standard output and error are read line by line for token reports
/// (see ``TokenMeter``); the agent is stopped when its wall or token budget is exhausted.
public struct AgentRunner: Sendable {
    /// Executable and arguments; `{brief}` in an argument is replaced by the brief's path.
    public var command: [String]
    /// Folder the agent runs in (the station's workspace).
    public var workingDirectory: URL
    /// Extra environment variables.
    public var environment: [String: String]
    /// The budget.
    public var budget: AgentBudget

    /// Creates a runner.
    public init(command: [String], workingDirectory: URL, environment: [String: String] = [:], budget: AgentBudget) {
        self.command = command
        self.workingDirectory = workingDirectory
        self.environment = environment
        self.budget = budget
    }

    /// Runs the agent with `brief` until it exits or a budget runs out; `onLine` sees every output line.
    public func run(brief: String, onLine: @escaping @Sendable (String) -> Void = { _ in }) async throws
        -> AgentRunReport {
        guard let executable = command.first else { throw AgentRunnerError.emptyCommand }
        let briefURL = workingDirectory.appendingPathComponent("AGENT_BRIEF.md")
        try FileManager.default.createDirectory(at: workingDirectory, withIntermediateDirectories: true)
        try Data(brief.utf8).write(to: briefURL, options: .atomic)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable.contains("/") ? executable : "/usr/bin/env")
        let arguments = command.dropFirst().map { $0.replacingOccurrences(of: "{brief}", with: briefURL.path) }
        process.arguments = executable.contains("/") ? Array(arguments) : [executable] + arguments
        process.currentDirectoryURL = workingDirectory
        var env = ProcessInfo.processInfo.environment
        env["ENPIRE_BRIEF"] = briefURL.path
        env["ENPIRE_TRIAL_BUDGET"] = String(budget.trials)
        env["ENPIRE_TOKEN_BUDGET"] = String(budget.tokens)
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice

        let state = RunState()
        let start = ContinuousClock.now
        do {
            try process.run()
        } catch {
            throw AgentRunnerError.launchFailed(command.joined(separator: " "), error.localizedDescription)
        }
        // Reading, the deadline and the kill run on threads of their own, not on Swift's cooperative pool or
        // Dispatch's width-limited global queues: busy tasks elsewhere in the process must not delay enforcing an
        // agent's budget.
        let tokenLimit = budget.tokens
        let wallSeconds = budget.wallSeconds
        Thread.detachNewThread {
            let deadline = Date().addingTimeInterval(wallSeconds)
            while process.isRunning, Date() < deadline { usleep(10_000) }
            if process.isRunning, state.markWallExhausted() { stopGroup(of: process) }
        }
        await withCheckedContinuation { (finished: CheckedContinuation<Void, Never>) in
            Thread.detachNewThread {
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
                finished.resume()
            }
        }
        // The agent's run time ends when it exited, not when this task got a thread back to report it.
        let elapsed = (state.finishedAt ?? ContinuousClock.now) - start
        let seconds = elapsed.inSeconds
        let snapshot = state.snapshot()
        let ending: AgentRunReport.Ending = snapshot.overBudget ? .tokenBudgetExhausted
            : snapshot.wallExhausted ? .wallBudgetExhausted : .exited
        return AgentRunReport(ending: ending, exitStatus: process.terminationStatus, wallSeconds: seconds,
                              tokens: snapshot.tokens, tokensPerMinute: seconds > 0 ? Double(snapshot.tokens) / seconds * 60 : 0,
                              outputTail: snapshot.tail)
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
        if process.isRunning { kill(-group, SIGKILL) }
    }
}

/// Shared between the reader task and the runner.
private final class RunState: @unchecked Sendable {
    private let lock = NSLock()
    private var meter = TokenMeter()
    private var tail: [String] = []
    private var overBudget = false
    private var wallExhausted = false
    private var finished: ContinuousClock.Instant?

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

    func snapshot() -> (tokens: Int, tail: [String], overBudget: Bool, wallExhausted: Bool) {
        lock.lock()
        defer { lock.unlock() }
        return (meter.total, tail, overBudget, wallExhausted)
    }
}
