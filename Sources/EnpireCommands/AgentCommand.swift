import ArgumentParser
import Enpire
import EnpireProcess
import EnpireTasks
import Foundation

/// `enpire agent`: runs an external coding agent in a bubblewrap sandbox on a station workspace.
///
/// The agent sees the workspace (writable), the system and the `enpire` toolchain (read-only) and whatever
/// `--expose` adds; never the operator folder, the runner's environment or its processes. Its station commands
/// (`status`, `trial`, `keep`, `revert`, `ledger`, `eval`) reach the operator folder through a socket served
/// here, which runs them outside the sandbox after checking they name this workspace.
struct AgentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agent",
        abstract: "Run an external coding agent on a station workspace in a sandbox, with a generated brief and budgets.",
        discussion: """
            Example: enpire agent --workspace ws --trials 10 -- my-agent --prompt-file {brief}
            The agent runs under bubblewrap (bwrap): it can read the system and the enpire toolchain, write the
            workspace, and reach the operator folder only through the station commands. Refuses to run without
            bubblewrap unless --unsandboxed is given.
            """)
    @OptionGroup var options: WorkspaceOptions
    @OptionGroup var budgetOptions: AgentBudgetOptions
    @Option(help: "Extra path the agent may read (repeatable), e.g. its configuration folder.") var expose: [String] = []
    @Option(help: "Extra path the agent may read and write (repeatable).") var exposeWritable: [String] = []
    @Option(help: "Environment variable passed into the sandbox (repeatable), e.g. the agent's API key.")
    var passEnv: [String] = []
    @Flag(help: "Give the agent no network (it shares the host's by default, as coding agents call their model's API).")
    var isolateNetwork = false
    @Flag(help: "Run the agent without a sandbox: it can then read the operator folder and the runner's environment.")
    var unsandboxed = false
    @OptionGroup var isolation: PolicyIsolationOptions
    @Argument(parsing: .captureForPassthrough, help: "The agent command; {brief} is replaced by the brief's path.")
    var command: [String] = []

    /// Station commands an agent may send to the runner.
    static let forwardable: Set<String> = ["status", "trial", "adopt", "keep", "revert", "ledger", "eval"]

    func run() async throws {
        let workspace = options.value
        let budget = budgetOptions.value
        let arguments = command.first == "--" ? Array(command.dropFirst()) : command
        guard !arguments.isEmpty else { throw ValidationError("give the agent command after --") }
        let brief = try workspace.brief(budget: budget)
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        let workspacePath = workspace.folder.resolvingSymlinksInPath().path
        let operatorPath = workspace.operatorFolder.resolvingSymlinksInPath().path

        var sandbox: AgentSandbox?
        if !unsandboxed {
            if let reason = AgentSandbox.probe() {
                throw AgentCommandError("cannot sandbox the agent: \(reason). Pass --unsandboxed to run it without "
                                        + "isolation (it can then read the operator folder and the held-out secret)")
            }
        }
        // The socket lives in a private folder of its own; inside the sandbox it is the only path besides the
        // workspace the agent can write to.
        let socketFolder = URL(fileURLWithPath: "/tmp").appendingPathComponent("enpire-runner-\(UUID().uuidString.prefix(12))")
        try FileManager.default.createDirectory(at: socketFolder, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        defer { try? FileManager.default.removeItem(at: socketFolder) }
        let socket = socketFolder.appendingPathComponent("runner.sock")
        let environment = ["ENPIRE_WORKSPACE": workspacePath, "ENPIRE_RUNNER_SOCKET": socket.path]
        if !unsandboxed, let bubblewrap = AgentSandbox.locateBubblewrap() {
            let toolchain = Self.toolchainFolders(executable: executable)
            var inside = ["PATH": (toolchain.bin + ["/usr/local/bin", "/usr/bin", "/bin"]).joined(separator: ":"),
                          "HOME": "/home/agent", "TMPDIR": "/tmp", "LANG": "C.UTF-8"]
            let host = ProcessInfo.processInfo.environment
            for name in passEnv {
                guard let value = host[name] else { throw ValidationError("--pass-env \(name): not set in this environment") }
                inside[name] = value
            }
            sandbox = AgentSandbox(
                bubblewrap: bubblewrap,
                writable: [workspace.folder, socketFolder] + exposeWritable.map { URL(fileURLWithPath: $0) },
                readOnly: toolchain.folders + expose.map { URL(fileURLWithPath: $0) },
                hidden: [workspace.operatorFolder], environment: inside, workingDirectory: workspace.folder,
                shareNetwork: !isolateNetwork)
        } else {
            CommandOutput.current.standardError(Data("enpire agent: running UNSANDBOXED (--unsandboxed): the agent can read \(operatorPath)\n".utf8))
        }

        if isolation.unsandboxedPolicy {
            CommandOutput.current.standardError(Data("enpire agent: the agent's policy code runs UNSANDBOXED (\(PolicyIsolationOptions.flag)): its trials can read \(operatorPath)\n".utf8))
        }
        try workspace.beginAgentRun(trials: budget.trials)
        defer { try? workspace.endAgentRun() }
        let broker = try AgentBroker(socketURL: socket) { request in
            await Self.serve(request, executable: executable, workspace: workspacePath, operatorFolder: operatorPath,
                             unsandboxedPolicy: isolation.unsandboxedPolicy)
        }
        defer { broker.close() }
        let runner = AgentRunner(command: arguments, workingDirectory: workspace.folder, environment: environment,
                                 budget: budget, sandbox: sandbox)
        let commandOutput = CommandOutput.current
        let run = Task {
            try await runner.run(brief: brief) { line in
                commandOutput.standardError(Data("agent| \(line)\n".utf8))
            }
        }
        // SIGINT, SIGTERM or SIGHUP to the runner stop the agent's process group (through cancellation) before
        // the runner exits and releases the budget; otherwise an unsandboxed agent would outlive it.
        let signals = [SIGINT, SIGTERM, SIGHUP].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { run.cancel() }
            source.resume()
            return source
        }
        defer { signals.forEach { $0.cancel() } }
        let report = try await run.value
        if options.json { try printJSON(report) } else {
            CommandOutput.current.line("agent \(report.ending.rawValue) (status \(report.exitStatus)) after \(String(format: "%.0f", report.wallSeconds)) s, \(report.tokens) tokens (\(String(format: "%.0f", report.tokensPerMinute)) per minute)")
        }
    }

    /// Runs one station command the agent sent, outside the sandbox, with this runner's operator folder; `trial`
    /// and `eval` get `--unsandboxed-policy` when the runner was given it (never from the agent).
    static func serve(_ request: AgentBrokerRequest, executable: URL, workspace: String, operatorFolder: String,
                      unsandboxedPolicy: Bool = false) async -> AgentBrokerResponse {
        func refuse(_ message: String) -> AgentBrokerResponse {
            AgentBrokerResponse(status: 64, standardOutput: "", standardError: "enpire (runner): \(message)\n")
        }
        var arguments = request.arguments
        guard let name = arguments.first, forwardable.contains(name) else {
            return refuse("only \(forwardable.sorted().joined(separator: ", ")) are served to an agent")
        }
        var index = 1
        var namedWorkspace = false
        while index < arguments.count {
            let argument = arguments[index]
            if argument == "--operator" || argument.hasPrefix("--operator=") {
                return refuse("--operator is chosen by the runner")
            }
            if argument.hasPrefix(PolicyIsolationOptions.flag) {
                return refuse("\(PolicyIsolationOptions.flag) is the operator's choice (`enpire agent \(PolicyIsolationOptions.flag)`)")
            }
            var value: String?
            if argument == "--workspace" {
                guard index + 1 < arguments.count else { return refuse("--workspace needs a value") }
                value = arguments[index + 1]
            } else if argument.hasPrefix("--workspace=") {
                value = String(argument.dropFirst("--workspace=".count))
            }
            if let value {
                guard URL(fileURLWithPath: value).resolvingSymlinksInPath().path == workspace else {
                    return refuse("this agent run serves only the workspace \(workspace)")
                }
                namedWorkspace = true
            }
            index += 1
        }
        if !namedWorkspace { arguments += ["--workspace", workspace] }
        arguments += ["--operator", operatorFolder]
        if unsandboxedPolicy, ["trial", "eval"].contains(name) { arguments.append(PolicyIsolationOptions.flag) }
        return await Self.runCaptured(executable: executable, arguments: arguments)
    }

    /// Most bytes kept of each of a broker command's output streams (their end).
    static let capturedOutputLimit = 16 << 20

    /// Runs `enpire` with `arguments` and captures its output (the runner's environment, minus the socket, so the
    /// command runs locally; the last ``capturedOutputLimit`` bytes of each stream).
    static func runCaptured(executable: URL, arguments: [String]) async -> AgentBrokerResponse {
        var environment = ProcessInfo.processInfo.environment
        environment["ENPIRE_RUNNER_SOCKET"] = nil
        let command = ChildCommand(executable.path, arguments: arguments, environment: environment)
        do {
            let result = try await ChildProcess.run(command, outputLimit: capturedOutputLimit)
            return AgentBrokerResponse(status: result.status, standardOutput: result.standardOutput,
                                       standardError: result.standardError)
        } catch {
            return AgentBrokerResponse(status: 1, standardOutput: "", standardError: "enpire (runner): cannot run: \(error)\n")
        }
    }

    /// Folders the sandbox exposes read-only for `enpire` itself and the Swift toolchain: the executable's folder,
    /// folders of shared libraries it loaded from outside the system folders, and the toolchain of `swift` on
    /// `PATH` when it lies outside them; `bin` lists the folders to put on the agent's `PATH`.
    static func toolchainFolders(executable: URL) -> (folders: [URL], bin: [String]) {
        let system = AgentSandbox.systemPaths.map { $0 + "/" }
        func isSystem(_ path: String) -> Bool { system.contains { path.hasPrefix($0) } }
        var folders = [executable.deletingLastPathComponent().path]
        var bin = [executable.deletingLastPathComponent().path]
        // The folder the runner was started from, when that name differs (for example `.build/debug`, a symlink).
        let invoked = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.deletingLastPathComponent().path
        if CommandLine.arguments[0].contains("/"), invoked != folders[0] { folders.append(invoked) }
        let maps = (try? String(contentsOfFile: "/proc/self/maps", encoding: .utf8)) ?? ""
        for line in maps.split(separator: "\n") {
            guard let slash = line.firstIndex(of: "/") else { continue }
            let path = URL(fileURLWithPath: String(line[slash...])).resolvingSymlinksInPath()
            guard path.path.contains(".so"), !isSystem(path.path) else { continue }
            folders.append(path.deletingLastPathComponent().path)
        }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        if let swift = path.split(separator: ":").map({ "\($0)/swift" }).first(where: { FileManager.default.isExecutableFile(atPath: $0) }) {
            let resolved = URL(fileURLWithPath: swift).resolvingSymlinksInPath()
            if !isSystem(resolved.path) {
                // <root>/usr/bin/swift: expose <root>/usr.
                folders.append(resolved.deletingLastPathComponent().deletingLastPathComponent().path)
                bin.append(resolved.deletingLastPathComponent().path)
            }
        }
        var seen = Set<String>()
        let unique = folders.filter { seen.insert($0).inserted }
        // A folder inside another exposed one adds nothing.
        let minimal = unique.filter { folder in !unique.contains { $0 != folder && folder.hasPrefix($0 + "/") } }
        return (minimal.map { URL(fileURLWithPath: $0) }, bin)
    }
}

/// A refusal of `enpire agent`, with what to do.
struct AgentCommandError: Error, CustomStringConvertible {
    var description: String

    init(_ description: String) {
        self.description = description
    }
}
