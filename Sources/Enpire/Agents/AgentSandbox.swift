public import Foundation

/// A bubblewrap (`bwrap`) sandbox for an external agent: the agent sees the system's programs and libraries
/// read-only, the paths it is given read-only or writable, a fresh `/proc` (its own processes only), a private
/// `/tmp` and `$HOME`, and exactly the environment given here, nothing of the runner's.
///
/// Paths listed in ``hidden`` (the operator folder) must not be exposed; ``arguments(for:)`` refuses a sandbox
/// that would expose one. Linux only (bubblewrap uses Linux namespaces); ``probe(bubblewrap:)`` tells whether
/// this machine can create them.
public struct AgentSandbox: Sendable, Equatable {
    /// The `bwrap` executable.
    public var bubblewrap: String
    /// Folders and files the agent may read and write (the workspace), bound at the same path.
    public var writable: [URL]
    /// Folders and files the agent may read (the toolchain, the agent's own executable), bound at the same path.
    public var readOnly: [URL]
    /// Paths that must stay invisible to the agent (the operator folder); exposing one is an error.
    public var hidden: [URL]
    /// The whole environment inside the sandbox.
    public var environment: [String: String]
    /// Folder inside the sandbox where the agent starts.
    public var workingDirectory: URL
    /// Whether the agent shares the host's network (coding agents usually need their model's API).
    public var shareNetwork: Bool

    /// System folders bound read-only (or recreated as the same symlinks) when they exist.
    public static let systemPaths = ["/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/etc"]

    /// Creates a sandbox description.
    public init(bubblewrap: String, writable: [URL], readOnly: [URL], hidden: [URL], environment: [String: String],
                workingDirectory: URL, shareNetwork: Bool = true) {
        self.bubblewrap = bubblewrap
        self.writable = writable
        self.readOnly = readOnly
        self.hidden = hidden
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.shareNetwork = shareNetwork
    }

    /// `bwrap` on `PATH` (or in `/usr/bin`), if installed; `ENPIRE_BWRAP`, when set, names it instead.
    public static func locateBubblewrap(path: String? = ProcessInfo.processInfo.environment["PATH"]) -> String? {
        if let chosen = ProcessInfo.processInfo.environment["ENPIRE_BWRAP"], !chosen.isEmpty {
            return FileManager.default.isExecutableFile(atPath: chosen) ? chosen : nil
        }
        let folders = (path ?? "").split(separator: ":").map(String.init) + ["/usr/bin", "/bin"]
        return folders.map { $0 + "/bwrap" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// `nil` when `bubblewrap` can create the namespaces this sandbox uses on this machine, else the reason it
    /// cannot (bwrap missing, or namespaces refused by the kernel or the container).
    public static func probe(bubblewrap: String? = locateBubblewrap()) -> String? {
        guard let bubblewrap else {
            return "bubblewrap (bwrap) is not installed: install the Debian package `bubblewrap` (scripts/setup.sh does)"
        }
        return run(bubblewrap, ["--ro-bind", "/", "/", "--proc", "/proc", "--dev", "/dev", "--unshare-pid",
                                "--unshare-ipc", "--unshare-uts", "--die-with-parent", "--new-session", "--", "/bin/true"],
                   environment: nil)
    }

    /// `nil` when this sandbox starts on this machine (`/bin/true` in it exits with status 0), else why not: the
    /// probe of exactly these namespaces (``probe(bubblewrap:)`` does not try the network namespace).
    public func check() -> String? {
        do { return Self.run(bubblewrap, try arguments(for: ["/bin/true"]), environment: environment) } catch {
            return "\(error)"
        }
    }

    /// Runs bwrap with `arguments`; `nil` when it exits with status 0, else why not.
    private static func run(_ bubblewrap: String, _ arguments: [String], environment: [String: String]?) -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: bubblewrap)
        process.arguments = arguments
        if let environment { process.environment = environment }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch { return "cannot start \(bubblewrap): \(error.localizedDescription)" }
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            return "bubblewrap cannot create namespaces here (\(output.trimmingCharacters(in: .whitespacesAndNewlines))); "
                + "enable unprivileged user namespaces or run on a machine that allows them"
        }
        return nil
    }

    /// The `bwrap` arguments that run `command` (an absolute executable path and its arguments) in the sandbox.
    public func arguments(for command: [String]) throws -> [String] {
        let manager = FileManager.default
        var arguments = ["--die-with-parent", "--new-session", "--unshare-pid", "--unshare-ipc", "--unshare-uts",
                         "--unshare-cgroup-try"]
        if !shareNetwork { arguments.append("--unshare-net") }
        var exposed: [String] = []
        for path in Self.systemPaths {
            guard let attributes = try? manager.attributesOfItem(atPath: path) else { continue }
            if attributes[.type] as? FileAttributeType == .typeSymbolicLink,
               let target = try? manager.destinationOfSymbolicLink(atPath: path) {
                arguments += ["--symlink", target, path]
            } else {
                arguments += ["--ro-bind", path, path]
                exposed.append(path)
            }
        }
        arguments += ["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--tmpfs", "/run", "--tmpfs", "/home"]
        if let home = environment["HOME"] { arguments += ["--dir", home] }
        // Each path is bound at its real location and, when it was named through a symlink, at that name too.
        for (urls, option) in [(readOnly, "--ro-bind"), (writable, "--bind")] {
            for url in urls {
                let real = url.resolvingSymlinksInPath().path
                let named = url.standardizedFileURL.path
                for target in Set([real, named]).sorted() {
                    arguments += [option, real, target]
                    exposed.append(target)
                }
                exposed.append(real)
            }
        }
        for url in hidden {
            let secret = url.resolvingSymlinksInPath().path
            if let clash = exposed.first(where: { Self.overlaps($0, secret) }) {
                throw AgentSandboxError.exposesHiddenPath(exposed: clash, hidden: secret)
            }
        }
        arguments.append("--clearenv")
        for (key, value) in environment.sorted(by: { $0.key < $1.key }) { arguments += ["--setenv", key, value] }
        arguments += ["--chdir", workingDirectory.resolvingSymlinksInPath().path, "--"]
        return arguments + command
    }

    static func overlaps(_ a: String, _ b: String) -> Bool {
        func folder(_ path: String) -> String { path.hasSuffix("/") ? path : path + "/" }
        return a == b || a.hasPrefix(folder(b)) || b.hasPrefix(folder(a))
    }
}

/// A sandbox that cannot be built as asked.
public enum AgentSandboxError: Error, Equatable, CustomStringConvertible {
    /// An exposed path contains, or lies inside, a path that must stay hidden.
    case exposesHiddenPath(exposed: String, hidden: String)

    /// A message a user can act on.
    public var description: String {
        switch self {
        case let .exposesHiddenPath(exposed, hidden):
            return "the sandbox would expose \(exposed), which overlaps the hidden \(hidden): keep the operator folder "
                + "outside every exposed folder (the workspace, the toolchain, --expose paths)"
        }
    }
}
