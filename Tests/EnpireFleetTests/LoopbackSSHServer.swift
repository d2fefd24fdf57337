import EnpireTesting
import Foundation

/// Debian's OpenSSH server started by a test on a loopback port, as the current user, with its own host key,
/// client key and authorized_keys in a temporary folder; it serves bare repositories in that folder over
/// `ssh://user@127.0.0.1:PORT/path` (the server runs `git-upload-pack`/`git-receive-pack`, so `git` must be
/// on the server's PATH).
final class LoopbackSSHServer: @unchecked Sendable {
    /// Why no server can be started here (no sshd, no ssh-keygen, no git, no privilege-separation folder when
    /// running as root), or `nil` when it can.
    static let problem: String? = {
        guard let sshd = tool("sshd", in: ["/usr/sbin", "/usr/local/sbin", "/sbin"]) else {
            return "no sshd (apt-get install openssh-server; scripts/setup.sh does)"
        }
        guard tool("ssh-keygen") != nil else { return "no ssh-keygen" }
        guard tool("git-upload-pack", in: ["/usr/lib/git-core"]) != nil || tool("git") != nil else {
            return "no git for the server side"
        }
        // Started as root, sshd chroots its unprivileged children into this folder (systemd creates it).
        if geteuid() == 0, !FileManager.default.fileExists(atPath: "/run/sshd") {
            return "sshd runs as root and /run/sshd is missing (mkdir -m 0755 /run/sshd; scripts/setup.sh does)"
        }
        _ = sshd
        return nil
    }()

    let folder: URL
    let port: Int
    let user: String
    /// The host's public key line (`ssh-ed25519 AAAA...`).
    let hostPublicKey: String
    /// A client private key the server accepts.
    let clientKey: URL
    private let process: SpawnedProcess
    private let log: URL

    /// Starts sshd in `folder` (created). Tries a few ports; throws with sshd's log when it cannot start.
    init(folder: URL) throws {
        self.folder = folder
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        user = getpwuid(geteuid()).map { String(cString: $0.pointee.pw_name) } ?? "root"
        let hostKey = folder.appendingPathComponent("host_ed25519")
        clientKey = folder.appendingPathComponent("client_ed25519")
        try Self.keygen(hostKey)
        try Self.keygen(clientKey)
        hostPublicKey = try String(contentsOf: hostKey.appendingPathExtension("pub"), encoding: .utf8)
            .split(separator: " ").prefix(2).joined(separator: " ")
        let authorized = folder.appendingPathComponent("authorized_keys")
        try FileManager.default.copyItem(at: clientKey.appendingPathExtension("pub"), to: authorized)
        log = folder.appendingPathComponent("sshd.log")
        let sshd = Self.tool("sshd", in: ["/usr/sbin", "/usr/local/sbin", "/sbin"]) ?? "/usr/sbin/sshd"
        var lastLog = ""
        for _ in 0..<5 {
            let port = try Self.freePort()
            let config = folder.appendingPathComponent("sshd_config")
            try """
                ListenAddress 127.0.0.1:\(port)
                HostKey \(hostKey.path)
                AuthorizedKeysFile \(authorized.path)
                PidFile \(folder.appendingPathComponent("sshd.pid").path)
                StrictModes no
                PasswordAuthentication no
                KbdInteractiveAuthentication no
                UsePAM no
                PermitRootLogin prohibit-password
                MaxStartups 100:30:200
                MaxSessions 100
                LogLevel ERROR

                """.write(to: config, atomically: true, encoding: .utf8)
            // -D: stay in the foreground (the test owns the process); -e: log to standard error.
            let process = try SpawnedProcess(sshd, ["-D", "-e", "-f", config.path], output: log)
            if Self.waitForListener(port: port, process: process) {
                self.port = port
                self.process = process
                return
            }
            process.stop()
            lastLog = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        }
        throw ServerError.cannotStart(lastLog)
    }

    enum ServerError: Error, CustomStringConvertible {
        case cannotStart(String)
        case tool(String, String)
        var description: String {
            switch self {
            case let .cannotStart(log): return "sshd did not start on loopback: \(log)"
            case let .tool(name, output): return "\(name) failed: \(output)"
            }
        }
    }

    deinit { stop() }

    /// Stops sshd.
    func stop() {
        process.stop()
    }

    /// The ssh URL of `path` (a repository on this machine).
    func url(_ path: URL) -> String { "ssh://\(user)@127.0.0.1:\(port)\(path.path)" }

    /// The known_hosts line for this server.
    var knownHostsLine: String { "[127.0.0.1]:\(port) \(hostPublicKey)\n" }

    /// The sshd log so far (for failure messages).
    var logText: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }

    static func keygen(_ key: URL, passphrase: String = "") throws {
        try run("ssh-keygen", ["-q", "-t", "ed25519", "-N", passphrase, "-C", "enpire-test", "-f", key.path])
    }

    /// Runs a tool from PATH and returns its standard output; throws with its output when it fails.
    @discardableResult
    static func run(_ name: String, _ arguments: [String], environment: [String: String]? = nil) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool(name) ?? "/usr/bin/\(name)")
        process.arguments = arguments
        if let environment { process.environment = environment }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard process.terminationStatus == 0 else { throw ServerError.tool(name, text) }
        return text
    }

    static func tool(_ name: String, in extra: [String] = []) -> String? {
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":").map(String.init)
        for folder in path + extra where FileManager.default.isExecutableFile(atPath: "\(folder)/\(name)") {
            return "\(folder)/\(name)"
        }
        return nil
    }

    /// A port the kernel just handed out on 127.0.0.1 (closed again; sshd may lose a race for it, so callers retry).
    private static func freePort() throws -> Int {
        let (socketFD, port) = try LoopbackSocket.bind()
        close(socketFD)
        return Int(port)
    }

    /// Waits up to 5 s for a TCP listener on `port` while sshd runs.
    private static func waitForListener(port: Int, process: SpawnedProcess) -> Bool {
        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline && process.isRunning {
            let socketFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(socketFD, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
                }
            }
            close(socketFD)
            if connected { return true }
            usleep(20_000)
        }
        return false
    }
}

/// A long-running child (sshd, ssh-agent) started with posix_spawn, output to a file.
///
/// Not Foundation's `Process`: while one of its processes runs, swift-corelibs-foundation's child monitor can
/// block in `waitpid` on it when another child exits, so a short `Process` started later never finishes.
final class SpawnedProcess: @unchecked Sendable {
    let pid: pid_t
    private var exited = false

    init(_ executable: String, _ arguments: [String], output: URL) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output.path, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        // Swift's worker threads block signals and a spawned child inherits that mask: unblock everything, so
        // SIGTERM reaches it.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK))
        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var child: pid_t = 0
        let code = posix_spawn(&child, executable, &actions, &attributes, argv, environ)
        guard code == 0 else {
            throw LoopbackSSHServer.ServerError.cannotStart("posix_spawn \(executable): \(String(cString: strerror(code)))")
        }
        pid = child
    }

    /// Whether the child still runs (reaps it when it has exited).
    var isRunning: Bool {
        guard !exited else { return false }
        var status: Int32 = 0
        if waitpid(pid, &status, WNOHANG) == pid { exited = true }
        return !exited
    }

    /// Terminates the child and reaps it.
    func stop() {
        guard !exited else { return }
        kill(pid, SIGTERM)
        var status: Int32 = 0
        for _ in 0..<200 {
            if waitpid(pid, &status, WNOHANG) == pid { exited = true; return }
            usleep(10_000)
        }
        kill(pid, SIGKILL)
        waitpid(pid, &status, 0)
        exited = true
    }

    deinit { stop() }
}
