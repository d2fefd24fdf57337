public import Enpire
public import Foundation

/// What `enpire-policy.json` at the root of a code workspace's work tree says: how to build the policy code and
/// how to start it.
///
/// ```json
/// { "build": ["python3", "-m", "py_compile", "policy.py"], "run": ["python3", "policy.py"] }
/// ```
///
/// Both commands run in the work tree, looked up on `PATH`. `build` may be absent (nothing to build); a Swift
/// package would say `["swift", "build", "-c", "release"]` and `[".build/release/policy"]`.
public struct PolicyManifest: Codable, Sendable, Equatable {
    /// The build command (program and arguments), or `nil` when nothing is built.
    public var build: [String]?
    /// The command that starts the policy process.
    public var run: [String]
    /// How the policy is privileged, if it is (printed with its results), for example that it reads the simulator's
    /// exact state.
    public var privilege: String?

    /// The manifest's file name in the work tree.
    public static let fileName = "enpire-policy.json"

    /// Creates a manifest.
    public init(build: [String]?, run: [String], privilege: String?) {
        self.build = build
        self.run = run
        self.privilege = privilege
    }

    /// Reads the manifest of the work tree at `folder`.
    public static func load(from folder: URL) throws -> PolicyManifest {
        let url = folder.appendingPathComponent(fileName)
        let manifest: PolicyManifest
        do { manifest = try JSONDecoder().decode(PolicyManifest.self, from: SafeFile.read(url, limit: 1 << 20)) } catch {
            throw CodePolicyError.manifest(path: url.path, reason: "\(error)")
        }
        guard let program = manifest.run.first, !program.isEmpty, manifest.build.map({ !($0.first ?? "").isEmpty }) ?? true
        else {
            throw CodePolicyError.manifest(path: url.path, reason: "`run` (and `build` when given) must name a program")
        }
        return manifest
    }
}

/// Why policy code could not be built, started or driven.
public enum CodePolicyError: Error, CustomStringConvertible, Equatable {
    /// `enpire-policy.json` is missing or invalid.
    case manifest(path: String, reason: String)
    /// The build command failed; `output` is the end of what it printed (the compiler's errors).
    case buildFailed(command: String, status: Int32, output: String)
    /// The policy process could not be started or did not answer `hello`; `output` is the end of its standard error.
    case startFailed(reason: String, output: String)
    /// The policy process broke the line protocol.
    case protocolViolation(String)
    /// The policy process did not answer in time.
    case timeout(stage: String, seconds: Double)
    /// The policy process reported an error or exited during the trial.
    case failed(String)

    /// Whether the error came before any episode ran (the build or the start), so no robot time was used.
    public var beforeRobot: Bool {
        switch self {
        case .manifest, .buildFailed, .startFailed: return true
        case .protocolViolation, .timeout, .failed: return false
        }
    }

    /// A message a user can act on.
    public var description: String {
        switch self {
        case let .manifest(path, reason):
            return "policy manifest \(path) is missing or invalid (\(reason)): it must be a JSON object with `run` "
                + "(and optionally `build`) arrays of strings"
        case let .buildFailed(command, status, output):
            return "the policy code did not build (`\(command)` exited with status \(status)); fix the code and run "
                + "the trial again. Build output:\n\(output)"
        case let .startFailed(reason, output):
            return "the policy process did not start (\(reason)); fix the code and run the trial again"
                + (output.isEmpty ? "" : ". Its standard error:\n\(output)")
        case .protocolViolation(let reason):
            return "the policy process broke the line protocol: \(reason) (answer each observation with one JSON "
                + "object on one line: {\"arms\": [...]} or {\"recipe\": {...}}; log to standard error)"
        case let .timeout(stage, seconds):
            return "the policy process did not answer \(stage) within \(seconds) s"
        case .failed(let reason): return "the policy process failed: \(reason)"
        }
    }
}

/// Runs a command in a folder, collecting its standard output and error together (the end of them).
enum CommandRunner {
    /// Most characters of output kept.
    static let outputLimit = 4000

    static func run(_ command: [String], in folder: URL, timeout: Double, launcher: PolicyLauncher = .unsandboxed)
        throws -> (status: Int32, output: String) {
        let process: Process
        do { process = try launcher.process(command, in: folder) } catch {
            throw CodePolicyError.buildFailed(command: command.joined(separator: " "), status: -1, output: "\(error)")
        }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch {
            throw CodePolicyError.buildFailed(command: command.joined(separator: " "), status: -1, output: "\(error)")
        }
        let timer = DispatchWorkItem { if process.isRunning { process.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: timer)
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        timer.cancel()
        var output = String(decoding: data, as: UTF8.self)
        if process.terminationReason == .uncaughtSignal { output += "\n(stopped after \(Int(timeout)) s or by a signal)" }
        return (process.terminationStatus, String(output.suffix(outputLimit)))
    }
}

/// A policy that is a process speaking Enpire's line protocol on its standard input and output: the policy code of a
/// code workspace.
///
/// Messages (one JSON object a line): the station sends `{"type": "hello", "protocol": 1, "task": ...}` once and
/// the process answers `{"type": "ready", "name": ...}`; `{"type": "reset"}` starts each episode (no answer);
/// `{"type": "observation", "step", "elapsed", "arms", "features"}` is answered with one action: `{"arms":
/// [{"target": [...], "gripper": g} or {"hold": true}, one per arm]}`, or `{"recipe": {name: number}}` (the
/// task's built-in policy with these parameters, the missing ones the baseline's, acts this step), or `{"error":
/// "..."}` to end the trial. Camera frames are not sent (protocol 1); features are what the station's estimators
/// (or, in simulation, the simulator) provide.
///
/// One trial drives it from one task at a time; it is not for concurrent use (hence `@unchecked Sendable`: the
/// process handle and the delegate policy are only touched by the episode loop that owns the policy).
public final class CodePolicy: Policy, @unchecked Sendable {
    /// The name the process gave in its `ready` answer.
    public private(set) var name = "code"
    /// Seconds the process may take to answer one observation.
    public var stepTimeout: Double = 30

    private let process: Process
    private let input: FileHandle
    private let output: Int32
    private let outputHandle: FileHandle
    private let standardError: URL
    private var buffer = Data()
    private let task: any ResearchTask
    private var delegate: (parameters: [String: Double], policy: any Policy)?
    private let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return encoder
    }()

    /// Starts the policy process of `manifest` in `folder` for `task` through `launcher` (``PolicyLauncher/unsandboxed``
    /// by default; a code workspace passes its sandbox), with its standard error written to `standardError`, and
    /// waits up to `startTimeout` seconds for its `ready` answer.
    public init(manifest: PolicyManifest, folder: URL, task: any ResearchTask, standardError: URL,
                startTimeout: Double = 60, launcher: PolicyLauncher = .unsandboxed) throws {
        self.task = task
        self.standardError = standardError
        do { process = try launcher.process(manifest.run, in: folder) } catch {
            throw CodePolicyError.startFailed(reason: "cannot run `\(manifest.run.joined(separator: " "))`: \(error)",
                                              output: "")
        }
        let stdin = Pipe(), stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        try? FileManager.default.createDirectory(at: standardError.deletingLastPathComponent(),
                                                 withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: standardError.path, contents: nil)
        let errorHandle = try FileHandle(forWritingTo: standardError)
        defer { try? errorHandle.close() }
        process.standardError = errorHandle
        input = stdin.fileHandleForWriting
        outputHandle = stdout.fileHandleForReading
        output = outputHandle.fileDescriptor
        // A process that exits early must not kill the station with SIGPIPE on the next write.
        signal(SIGPIPE, SIG_IGN)
        do { try process.run() } catch {
            throw CodePolicyError.startFailed(reason: "cannot run `\(manifest.run.joined(separator: " "))`: \(error)",
                                              output: "")
        }
        do {
            try send(Hello(task: task.name, baseline: task.baseline.parameters))
            let line = try readLine(stage: "hello", timeout: startTimeout)
            guard let ready = try? JSONDecoder().decode(Ready.self, from: Data(line.utf8)), ready.type == "ready" else {
                throw CodePolicyError.protocolViolation("expected {\"type\": \"ready\"} after hello, got \(line.prefix(200))")
            }
            name = ready.name ?? "code"
        } catch let error as CodePolicyError {
            finish()
            throw CodePolicyError.startFailed(reason: error.description, output: Self.tail(of: standardError))
        }
    }

    deinit { finish() }

    /// Closes the process's standard input and stops it if it has not exited within a second.
    public func finish() {
        try? input.close()
        let deadline = Date().addingTimeInterval(1)
        while process.isRunning, Date() < deadline { usleep(10_000) }
        if process.isRunning { process.terminate() }
    }

    /// Starts an episode: tells the process and forgets the delegate policy.
    public func reset() {
        try? send(Reset())
        delegate = nil
    }

    /// Sends the observation and turns the answer into commands.
    public func action(for observation: Observation) async throws -> [ArmCommand] {
        try send(ObservationMessage(step: observation.stepIndex, elapsed: observation.elapsedSeconds,
                                    arms: observation.arms, features: observation.features))
        let line = try readLine(stage: "observation \(observation.stepIndex)", timeout: stepTimeout)
        let reply: Reply
        do { reply = try JSONDecoder().decode(Reply.self, from: Data(line.utf8)) } catch {
            throw CodePolicyError.protocolViolation("answer to step \(observation.stepIndex) is not an action: \(line.prefix(200))")
        }
        if let error = reply.error { throw CodePolicyError.failed(error) }
        if let arms = reply.arms {
            guard arms.count == observation.arms.count else {
                throw CodePolicyError.protocolViolation("\(arms.count) arm commands for \(observation.arms.count) arms")
            }
            return try arms.map { arm in
                if arm.hold == true { return .hold }
                guard let target = arm.target, target.allSatisfy(\.isFinite) else {
                    throw CodePolicyError.protocolViolation("an arm command needs a finite `target` or `\"hold\": true`")
                }
                return .moveTo(target, gripper: arm.gripper)
            }
        }
        guard let recipe = reply.recipe else {
            throw CodePolicyError.protocolViolation("an answer needs `arms`, `recipe` or `error`: \(line.prefix(200))")
        }
        let parameters = task.baseline.parameters.merging(recipe) { $1 }
        if delegate?.parameters != parameters {
            do {
                delegate = (parameters, try task.policy(for: Recipe(family: task.space.family, parameters: parameters)))
            } catch {
                throw CodePolicyError.failed("the task refused the recipe \(recipe): \(error)")
            }
        }
        guard var policy = delegate?.policy else { return [] }
        let commands = try await policy.action(for: observation)
        delegate?.policy = policy
        return commands
    }

    // MARK: Protocol

    private struct Hello: Encodable {
        var type = "hello"
        var `protocol` = 1
        var task: String
        var baseline: [String: Double]
    }
    private struct Ready: Decodable {
        var type: String
        var name: String?
    }
    private struct Reset: Encodable { var type = "reset" }
    private struct ObservationMessage: Encodable {
        var type = "observation"
        var step: Int
        var elapsed: Double
        var arms: [RobotState]
        var features: [String: [Double]]
    }
    private struct Reply: Decodable {
        struct Arm: Decodable {
            var target: [Double]?
            var gripper: Double?
            var hold: Bool?
        }
        var arms: [Arm]?
        var recipe: [String: Double]?
        var error: String?
    }

    private func send<T: Encodable>(_ message: T) throws {
        var data = try encoder.encode(message)
        data.append(0x0A)
        do { try input.write(contentsOf: data) } catch {
            throw CodePolicyError.failed("it closed its standard input (exited?): \(Self.tail(of: standardError))")
        }
    }

    private func readLine(stage: String, timeout: Double) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if let newline = buffer.firstIndex(of: 0x0A) {
                let line = buffer[buffer.startIndex..<newline]
                buffer.removeSubrange(buffer.startIndex...newline)
                return String(decoding: line, as: UTF8.self)
            }
            let remaining = deadline.timeIntervalSinceNow
            guard remaining > 0 else { throw CodePolicyError.timeout(stage: stage, seconds: timeout) }
            var descriptor = pollfd(fd: output, events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, Int32(min(remaining, 1) * 1000))
            if ready < 0, errno != EINTR { throw CodePolicyError.failed("poll: \(String(cString: strerror(errno)))") }
            guard ready > 0 else { continue }
            var chunk = [UInt8](repeating: 0, count: 65536)
            let count = read(output, &chunk, chunk.count)
            if count <= 0 {
                process.waitUntilExit()
                throw CodePolicyError.failed("it exited with status \(process.terminationStatus) during \(stage); "
                                             + "its standard error ends:\n\(Self.tail(of: standardError))")
            }
            buffer.append(contentsOf: chunk[0..<count])
        }
    }

    /// The end of a policy program's standard error. The program is an agent's code and may have written
    /// gigabytes, so only the last bytes are read (four per character of the limit: UTF-8's longest).
    static func tail(of file: URL) -> String {
        guard let handle = try? FileHandle(forReadingFrom: file) else { return "" }
        defer { try? handle.close() }
        let window = UInt64(4 * CommandRunner.outputLimit)
        let end = (try? handle.seekToEnd()) ?? 0
        guard (try? handle.seek(toOffset: end > window ? end - window : 0)) != nil,
              let data = try? handle.read(upToCount: Int(window)) else { return "" }
        return String(String(decoding: data, as: UTF8.self).suffix(CommandRunner.outputLimit))
    }
}
