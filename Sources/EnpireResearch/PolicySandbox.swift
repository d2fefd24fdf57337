public import Enpire
public import Foundation

/// How a code workspace runs its policy code (the `build` and `run` commands of `enpire-policy.json`).
public enum PolicyIsolation: Sendable, Equatable {
    /// In a bubblewrap sandbox (`AgentSandbox`): the work tree, the toolchain and the system read-only (the work
    /// tree writable while building and during development trials), no network, a minimal environment, and never
    /// the operator folder. `bubblewrap` names the `bwrap` executable (`nil`: `AgentSandbox/locateBubblewrap(path:)`).
    /// Trials and evaluations are refused (``PolicySandboxError``) where it cannot create its namespaces.
    case sandboxed(bubblewrap: String?)
    /// As ordinary child processes of the runner, with its environment: the code can read the operator folder and
    /// the held-out secret (`--unsandboxed-policy`).
    case unsandboxed

    /// The default: sandboxed, with `bwrap` found on `PATH`.
    public static let sandboxed = PolicyIsolation.sandboxed(bubblewrap: nil)
}

/// Policy code cannot be sandboxed on this machine.
public enum PolicySandboxError: Error, CustomStringConvertible, Equatable {
    /// bubblewrap is missing or cannot create namespaces here (`reason` says which).
    case unavailable(reason: String)

    /// A message a user can act on.
    public var description: String {
        switch self {
        case .unavailable(let reason):
            return "cannot sandbox the policy code: \(reason). Code trials and evaluations run the policy's build and "
                + "run commands in bubblewrap so that they cannot read the operator folder; nothing was run or charged. "
                + "Fix bubblewrap, or pass --unsandboxed-policy (to `enpire agent`, `trial`, `eval` or `mcp`) to run "
                + "the code as the runner's user without isolation: it can then read the operator folder and the "
                + "held-out secret"
        }
    }
}

/// Starts the commands of policy code: directly (``PolicyIsolation/unsandboxed``) or under bubblewrap.
public struct PolicyLauncher: Sendable {
    /// The sandbox the commands run in, or `nil` to run them as ordinary child processes.
    public var sandbox: AgentSandbox?

    /// Commands run as ordinary child processes of the runner, with its environment, looked up on its `PATH`.
    public static let unsandboxed = PolicyLauncher(sandbox: nil)

    /// Creates a launcher for `sandbox` (`nil`: unsandboxed).
    public init(sandbox: AgentSandbox?) {
        self.sandbox = sandbox
    }

    /// A sandbox for the policy code in `workTree`: the work tree (writable when `writableWorkTree`, else
    /// read-only), the folders of `programs` found on `path` outside the system folders (a virtual environment,
    /// pyenv, `/opt/swift/usr`) read-only, the system read-only, no network, nothing of `hidden`, and the
    /// environment `PATH`, `HOME`, `TMPDIR` and `LANG` only.
    public static func sandbox(bubblewrap: String, workTree: URL, writableWorkTree: Bool, programs: [String],
                               hidden: [URL], path: String? = ProcessInfo.processInfo.environment["PATH"]) -> AgentSandbox {
        let toolchain = toolchainFolders(programs: programs, path: path)
        let inside = (toolchain.bin + ["/usr/local/bin", "/usr/bin", "/bin"]).joined(separator: ":")
        return AgentSandbox(
            bubblewrap: bubblewrap, writable: writableWorkTree ? [workTree] : [],
            readOnly: toolchain.folders + (writableWorkTree ? [] : [workTree]), hidden: hidden,
            environment: ["PATH": inside, "HOME": "/home/policy", "TMPDIR": "/tmp", "LANG": "C.UTF-8"],
            workingDirectory: workTree, shareNetwork: false)
    }

    /// Folders to expose for `programs` (names looked up on `path`) and the folders to put on the sandbox's `PATH`.
    /// A program in `<root>/bin` (or `<root>/shims`) outside the system folders exposes `<root>` (a virtual
    /// environment, pyenv's root, a toolchain's `usr`); `<root>` the home folder or `/` exposes only the program's
    /// folder. A symlink's target outside the system folders is exposed the same way.
    static func toolchainFolders(programs: [String], path: String?) -> (folders: [URL], bin: [String]) {
        let system = AgentSandbox.systemPaths.map { $0 + "/" }
        func isSystem(_ path: String) -> Bool { system.contains { path.hasPrefix($0) } }
        let home = ProcessInfo.processInfo.environment["HOME"].map { URL(fileURLWithPath: $0).standardizedFileURL.path }
        func root(of program: String) -> String? {
            let folder = URL(fileURLWithPath: program).deletingLastPathComponent()
            guard !isSystem(folder.path + "/") else { return nil }
            let parent = folder.deletingLastPathComponent().standardizedFileURL.path
            let wide = parent == "/" || parent == home || isSystem(parent + "/")
            return ["bin", "shims"].contains(folder.lastPathComponent) && !wide ? parent : folder.path
        }
        var folders: [String] = [], bin: [String] = []
        let searched = (path ?? "").split(separator: ":").map(String.init).filter { $0.hasPrefix("/") }
        for program in programs where !program.contains("/") {
            guard let found = searched.map({ $0 + "/" + program })
                .first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else { continue }
            let folder = URL(fileURLWithPath: found).deletingLastPathComponent().path
            if let root = root(of: found) {
                folders.append(root)
                if !bin.contains(folder) { bin.append(folder) }
            }
            if let target = root(of: URL(fileURLWithPath: found).resolvingSymlinksInPath().path) { folders.append(target) }
        }
        var seen = Set<String>()
        let unique = folders.filter { seen.insert($0).inserted }
        let minimal = unique.filter { folder in !unique.contains { $0 != folder && folder.hasPrefix($0 + "/") } }
        return (minimal.map { URL(fileURLWithPath: $0) }, bin)
    }

    /// A process that runs `command` (a program, looked up on the sandbox's `PATH` when its name has no `/`, and
    /// its arguments) in `folder`; not started yet.
    func process(_ command: [String], in folder: URL) throws -> Process {
        let process = Process()
        process.currentDirectoryURL = folder
        guard let sandbox, let program = command.first else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = command
            return process
        }
        let resolved: String
        if program.hasPrefix("/") {
            resolved = program
        } else if program.contains("/") {
            resolved = folder.resolvingSymlinksInPath().appendingPathComponent(program).standardizedFileURL.path
        } else {
            resolved = (sandbox.environment["PATH"] ?? "").split(separator: ":").map { "\($0)/\(program)" }
                .first { FileManager.default.isExecutableFile(atPath: $0) } ?? program
        }
        process.executableURL = URL(fileURLWithPath: sandbox.bubblewrap)
        process.arguments = try sandbox.arguments(for: [resolved] + command.dropFirst())
        // bwrap's own environment is visible inside (/proc/1/environ): give it only the sandbox's.
        process.environment = sandbox.environment
        return process
    }
}
