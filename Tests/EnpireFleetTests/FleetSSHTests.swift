import Enpire
@testable import EnpireFleet
import EnpireTesting
import Foundation
import Testing

/// The fleet over a real ssh remote: Debian's OpenSSH server started on loopback by the test (skipped where it
/// cannot start), credentials from a key file or an ssh agent, host keys checked against a known_hosts file.
@Suite("Fleet over ssh", .serialized, .enabled(if: LoopbackSSHServer.problem == nil,
                                               "skipped: \(LoopbackSSHServer.problem ?? "")"))
struct FleetSSHTests {
    /// A remote on `server` using its client key and a known_hosts file listing it.
    static func remote(_ server: LoopbackSSHServer, repo: URL, knownHosts: URL? = nil,
                       credentials: FleetCredentials? = nil, trustOnFirstUse: Bool = false) throws -> FleetRemote {
        let file = knownHosts ?? server.folder.appendingPathComponent("known_hosts")
        if knownHosts == nil, !FileManager.default.fileExists(atPath: file.path) {
            try server.knownHostsLine.write(to: file, atomically: true, encoding: .utf8)
        }
        return FleetRemote(server.url(repo),
                           credentials: credentials ?? FleetCredentials(methods: [.sshKey(privateKey: server.clientKey.path)]),
                           hostKeys: FleetHostKeyPolicy(knownHostsFile: file.path, trustOnFirstUse: trustOnFirstUse))
    }

    @Test("three stations publish and adopt kept results through sshd on loopback (hashed known_hosts)")
    func stationsShareOverSSH() async throws {
        let setup = try SSHFleetFixture("fleet-ssh")
        defer { setup.close() }
        let (folder, server, repoPath) = (setup.folder, setup.server, setup.repoPath)
        // Debian's ssh hashes known_hosts (HashKnownHosts yes); check such a file is understood.
        let knownHosts = folder.appendingPathComponent("known_hosts")
        try server.knownHostsLine.write(to: knownHosts, atomically: true, encoding: .utf8)
        try LoopbackSSHServer.run("ssh-keygen", ["-q", "-H", "-f", knownHosts.path])
        #expect(try String(contentsOf: knownHosts, encoding: .utf8).hasPrefix("|1|"))
        let remote = try Self.remote(server, repo: repoPath, knownHosts: knownHosts)
        var stations: [FleetStation] = []
        for name in ["alpha", "beta", "gamma"] {
            stations.append(try await FleetStation(name: name, remote: remote,
                                                   clonePath: folder.appendingPathComponent(name)))
        }
        try await stations[0].publish(try LedgerFixtures.record(id: "alpha-1", station: "alpha", successes: 30,
                                                                trials: 50, config: ["owner": "alpha"]))
        try await stations[1].publish(try LedgerFixtures.record(id: "beta-1", station: "beta", successes: 45,
                                                                trials: 50, config: ["owner": "beta"]))
        for station in stations {
            try await station.sync()
            #expect(Set(try await station.keptResults().map(\.id)) == ["alpha-1", "beta-1"])
            #expect(try await station.bestRecipe(task: "pusht")?.config["owner"] == "beta")
        }
    }

    @Test("an unknown host is refused; trust on first use records it; a changed host key is refused")
    func hostKeys() async throws {
        let setup = try SSHFleetFixture("fleet-ssh-hostkey")
        defer { setup.close() }
        let (folder, server, repoPath) = (setup.folder, setup.server, setup.repoPath)
        let knownHosts = folder.appendingPathComponent("ssh/known_hosts")

        do {
            _ = try await FleetStation(name: "a", remote: try Self.remote(server, repo: repoPath, knownHosts: knownHosts),
                                       clonePath: folder.appendingPathComponent("a"))
            Issue.record("an unknown host was accepted")
        } catch let FleetError.hostKeyRejected(host, file, reason) {
            #expect(host == "[127.0.0.1]:\(server.port)")
            #expect(file == knownHosts.path)
            #expect(reason.contains("not listed") && reason.contains("SHA256:"))
        }
        #expect(!FileManager.default.fileExists(atPath: knownHosts.path))

        let trusting = try Self.remote(server, repo: repoPath, knownHosts: knownHosts, trustOnFirstUse: true)
        let station = try await FleetStation(name: "a", remote: trusting, clonePath: folder.appendingPathComponent("a"))
        #expect(try String(contentsOf: knownHosts, encoding: .utf8) == server.knownHostsLine)
        // Now listed: a strict remote is accepted.
        try await station.publish(try LedgerFixtures.record(id: "a-1", station: "a", successes: 1, trials: 2))

        // Another key for the same host: refused even with trust on first use.
        let other = folder.appendingPathComponent("other_host_key")
        try LoopbackSSHServer.keygen(other)
        let otherKey = try String(contentsOf: other.appendingPathExtension("pub"), encoding: .utf8)
            .split(separator: " ").prefix(2).joined(separator: " ")
        try "[127.0.0.1]:\(server.port) \(otherKey)\n".write(to: knownHosts, atomically: true, encoding: .utf8)
        do {
            _ = try await FleetStation(name: "b", remote: trusting, clonePath: folder.appendingPathComponent("b"))
            Issue.record("a changed host key was accepted")
        } catch let FleetError.hostKeyRejected(_, _, reason) {
            #expect(reason.contains("differs"))
        }
        // A revoked key is refused even when also listed.
        try (server.knownHostsLine + "@revoked * \(server.hostPublicKey)\n")
            .write(to: knownHosts, atomically: true, encoding: .utf8)
        do {
            _ = try await FleetStation(name: "c", remote: trusting, clonePath: folder.appendingPathComponent("c"))
            Issue.record("a revoked host key was accepted")
        } catch let FleetError.hostKeyRejected(_, _, reason) {
            #expect(reason.contains("@revoked"))
        }
    }

    @Test("rejected credentials stop after the attempt bound, naming what was tried")
    func boundedAttempts() async throws {
        let setup = try SSHFleetFixture("fleet-ssh-auth")
        defer { setup.close() }
        let (folder, server, repoPath) = (setup.folder, setup.server, setup.repoPath)
        var strangers: [String] = []
        for index in 0..<3 {
            let key = folder.appendingPathComponent("stranger\(index)")
            try LoopbackSSHServer.keygen(key)
            strangers.append(key.path)
        }
        let missing = folder.appendingPathComponent("no-such-key").path
        let credentials = FleetCredentials(methods: [.sshKey(privateKey: missing)]
                                               + strangers.map { .sshKey(privateKey: $0) }
                                               + [.sshKey(privateKey: server.clientKey.path)],
                                           maxAttempts: 2)
        do {
            _ = try await FleetStation(name: "a", remote: try Self.remote(server, repo: repoPath, credentials: credentials),
                                       clonePath: folder.appendingPathComponent("a"))
            Issue.record("authentication succeeded with keys the server does not know")
        } catch let FleetError.authenticationFailed(remote, tried, reason) {
            #expect(remote == server.url(repoPath))
            #expect(tried == ["ssh key \(missing) (skipped: no such file)", "ssh key \(strangers[0])",
                              "ssh key \(strangers[1])"])
            #expect(reason.contains("gave up after 2"))
        }
        // Within the bound a rejected key is followed by the next one. (sshd's MaxAuthTries, 6 by default, cuts a
        // connection after about three rejected keys: libgit2 asks for the method list again after each.)
        let enough = FleetCredentials(methods: [.sshKey(privateKey: missing), .sshKey(privateKey: strangers[0]),
                                                .sshKey(privateKey: server.clientKey.path)], maxAttempts: 2)
        let station = try await FleetStation(name: "a", remote: try Self.remote(server, repo: repoPath, credentials: enough),
                                             clonePath: folder.appendingPathComponent("a"))
        try await station.publish(try LedgerFixtures.record(id: "a-1", station: "a", successes: 1, trials: 2))
        // No method left: the message says so.
        do {
            let none = FleetCredentials(methods: [.httpsToken(variable: "ENPIRE_TEST_UNSET_TOKEN", username: "x")])
            _ = try await FleetStation(name: "b", remote: try Self.remote(server, repo: repoPath, credentials: none),
                                       clonePath: folder.appendingPathComponent("b"))
            Issue.record("connected without credentials")
        } catch let FleetError.authenticationFailed(_, tried, reason) {
            #expect(tried.isEmpty)
            #expect(reason.contains("no configured credential applies"))
        }
    }

    @Test("a passphrase-protected key (passphrase from the environment) and the ssh agent authenticate")
    func passphraseAndAgent() async throws {
        let setup = try SSHFleetFixture("fleet-ssh-agent")
        defer { setup.close() }
        let (folder, server, repoPath) = (setup.folder, setup.server, setup.repoPath)
        let locked = folder.appendingPathComponent("locked_key")
        try LoopbackSSHServer.keygen(locked, passphrase: "correct horse")
        let authorized = server.folder.appendingPathComponent("authorized_keys")
        let handle = try FileHandle(forWritingTo: authorized)
        try handle.seekToEnd()
        try handle.write(contentsOf: try Data(contentsOf: locked.appendingPathExtension("pub")))
        try handle.close()

        let variable = "ENPIRE_TEST_SSH_PASSPHRASE"
        setenv(variable, "correct horse", 1)
        defer { unsetenv(variable) }
        let withPassphrase = FleetCredentials(methods: [.sshKey(privateKey: locked.path, passphraseVariable: variable)])
        let station = try await FleetStation(name: "a", remote: try Self.remote(server, repo: repoPath,
                                                                                credentials: withPassphrase),
                                             clonePath: folder.appendingPathComponent("a"))
        try await station.publish(try LedgerFixtures.record(id: "a-1", station: "a", successes: 1, trials: 2))

        // The agent: ssh-agent in the foreground on a socket in the folder, holding the locked key.
        let socket = folder.appendingPathComponent("agent.sock").path
        let agent = try SpawnedProcess(LoopbackSSHServer.tool("ssh-agent") ?? "/usr/bin/ssh-agent", ["-D", "-a", socket],
                                       output: folder.appendingPathComponent("agent.log"))
        defer { agent.stop() }
        for _ in 0..<100 where !FileManager.default.fileExists(atPath: socket) { usleep(20_000) }
        var environment = ProcessInfo.processInfo.environment
        environment["SSH_AUTH_SOCK"] = socket
        environment["SSH_ASKPASS_REQUIRE"] = "never"
        // ssh-add reads no passphrase from the environment; add the unlocked client key instead.
        try LoopbackSSHServer.run("ssh-add", ["-q", server.clientKey.path], environment: environment)
        // libssh2 finds the agent through SSH_AUTH_SOCK in this process's environment.
        let previous = ProcessInfo.processInfo.environment["SSH_AUTH_SOCK"]
        setenv("SSH_AUTH_SOCK", socket, 1)
        defer { if let previous { setenv("SSH_AUTH_SOCK", previous, 1) } else { unsetenv("SSH_AUTH_SOCK") } }
        let viaAgent = FleetCredentials(methods: [.sshAgent])
        let second = try await FleetStation(name: "b", remote: try Self.remote(server, repo: repoPath, credentials: viaAgent),
                                            clonePath: folder.appendingPathComponent("b"))
        #expect(try await second.keptResults().map(\.id) == ["a-1"])
    }

    /// `ENPIRE_HEAVY=1`: 8 stations (separate clones) over the ssh remote; each round one station publishes a
    /// kept result while the other 7 sync back to back until they have adopted it (it is their best recipe).
    /// Prints p50/p95 of the time from the start of the publish to each adoption.
    @Test("spread of a kept result across 8 stations over ssh: p50/p95 (ENPIRE_HEAVY=1)",
          .enabled(if: ProcessInfo.processInfo.environment["ENPIRE_HEAVY"] == "1"))
    func spreadAcrossEightStations() async throws {
        let environment = ProcessInfo.processInfo.environment
        let rounds = environment["ENPIRE_SSH_ROUNDS"].flatMap(Int.init) ?? 10
        let pollMilliseconds = environment["ENPIRE_SSH_POLL_MS"].flatMap(Int.init) ?? 0
        let setup = try SSHFleetFixture("fleet-ssh-spread")
        defer { setup.close() }
        let (folder, server, repoPath) = (setup.folder, setup.server, setup.repoPath)
        let remote = try Self.remote(server, repo: repoPath)
        var stations: [FleetStation] = []
        for index in 0..<8 {
            stations.append(try await FleetStation(name: "s\(index)", remote: remote,
                                                   clonePath: folder.appendingPathComponent("s\(index)")))
        }
        var spread: [Double] = []
        var publishTimes: [Double] = []
        var lastPerRound: [Double] = []
        let syncTimes = SyncTimes()
        var afterPublish: [Double] = []
        for round in 0..<rounds {
            let publisher = stations[round % stations.count]
            let id = "\(publisher.name)-r\(round)"
            // Each round's result is the best so far, so adopting it means it becomes the best recipe.
            let record = try LedgerFixtures.record(id: id, station: publisher.name, successes: 10 + round,
                                                   trials: 10 + rounds, config: ["round": "\(round)"])
            let start = ContinuousClock.now
            let latencies = try await withThrowingTaskGroup(of: Double.self) { group in
                group.addTask {
                    try await publisher.publish(record)
                    return -(ContinuousClock.now - start).seconds
                }
                for station in stations where station !== publisher {
                    group.addTask {
                        while true {
                            let syncStart = ContinuousClock.now
                            try await station.sync()
                            syncTimes.append((ContinuousClock.now - syncStart).seconds)
                            if try await station.bestRecipe(task: "pusht")?.id == id {
                                return (ContinuousClock.now - start).seconds
                            }
                            if (ContinuousClock.now - start) > .seconds(120) {
                                throw LoopbackSSHServer.ServerError.tool("spread", "\(station.name) never saw \(id)")
                            }
                            if pollMilliseconds > 0 { try await Task.sleep(for: .milliseconds(pollMilliseconds)) }
                        }
                    }
                }
                return try await group.reduce(into: [Double]()) { $0.append($1) }
            }
            let published = latencies.filter { $0 < 0 }.map { -$0 }
            publishTimes += published
            let adoptions = latencies.filter { $0 >= 0 }
            afterPublish += adoptions.map { max(0, $0 - (published.first ?? 0)) }
            #expect(adoptions.count == 7)
            spread += adoptions
            lastPerRound.append(adoptions.max() ?? 0)
        }
        for station in stations {
            try await station.sync()
            #expect(try await station.keptResults().count == rounds)
        }
        func percentile(_ values: [Double], _ p: Double) -> Double {
            let sorted = values.sorted()
            guard !sorted.isEmpty else { return .nan }
            return sorted[min(sorted.count - 1, Int((p * Double(sorted.count)).rounded(.up)) - 1)]
        }
        func ms(_ seconds: Double) -> String { String(format: "%.0f ms", seconds * 1000) }
        print("fleet-ssh spread: 8 stations, \(rounds) rounds, poll interval \(pollMilliseconds) ms, "
              + "\(spread.count) adoptions: p50 \(ms(percentile(spread, 0.5))), p95 \(ms(percentile(spread, 0.95))), "
              + "max \(ms(spread.max() ?? 0)); from publish returning p50 \(ms(percentile(afterPublish, 0.5))), "
              + "p95 \(ms(percentile(afterPublish, 0.95))); last station per round p50 \(ms(percentile(lastPerRound, 0.5))), "
              + "p95 \(ms(percentile(lastPerRound, 0.95))); publish p50 \(ms(percentile(publishTimes, 0.5))), "
              + "p95 \(ms(percentile(publishTimes, 0.95))); one sync p50 \(ms(percentile(syncTimes.values, 0.5))), "
              + "p95 \(ms(percentile(syncTimes.values, 0.95)))")
    }
}

/// A temporary folder with a loopback sshd and an empty bare repository; ``close()`` stops sshd and removes it.
final class SSHFleetFixture {
    let folder: URL
    let server: LoopbackSSHServer
    let repoPath: URL

    init(_ label: String) throws {
        folder = try LedgerFixtures.temporaryFolder(label)
        do {
            server = try LoopbackSSHServer(folder: folder.appendingPathComponent("server"))
        } catch {
            try? FileManager.default.removeItem(at: folder)
            throw error
        }
        repoPath = folder.appendingPathComponent("fleet.git")
        try FleetRemote.createBare(at: repoPath)
    }

    func close() {
        server.stop()
        try? FileManager.default.removeItem(at: folder)
    }
}

/// Sync durations collected by concurrent pollers.
final class SyncTimes: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [Double] = []
    func append(_ value: Double) { lock.withLock { stored.append(value) } }
    var values: [Double] { lock.withLock { stored } }
}

extension Duration {
    /// The duration in seconds.
    var seconds: Double {
        let (whole, attoseconds) = components
        return Double(whole) + Double(attoseconds) / 1e18
    }
}

@Suite("Fleet remote credentials (no server)")
struct FleetCredentialsTests {
    @Test("ssh endpoints are parsed from ssh URLs and scp-like remotes; other remotes have none")
    func endpoints() {
        let none = FleetCredentials(methods: [])
        func endpoint(_ url: String) -> String? {
            FleetRemote(url, credentials: none).sshEndpoint.map { "\($0.host):\($0.port)" }
        }
        #expect(endpoint("ssh://git@example.com/fleet.git") == "example.com:22")
        #expect(endpoint("ssh://git@127.0.0.1:2222/srv/fleet.git") == "127.0.0.1:2222")
        #expect(endpoint("ssh://[::1]:2200/fleet.git") == "::1:2200")
        #expect(endpoint("git@example.com:fleet.git") == "example.com:22")
        #expect(endpoint("https://example.com/fleet.git") == nil)
        #expect(endpoint("/srv/fleet.git") == nil)
    }

    @Test("the environment configures key, token, user and known_hosts; secrets are not in the value")
    func environment() {
        let credentials = FleetCredentials.fromEnvironment(["HOME": "/home/op", "ENPIRE_SSH_KEY": "/keys/fleet",
                                                            "ENPIRE_GIT_TOKEN": "s3cret", "ENPIRE_SSH_USER": "lab"])
        #expect(credentials.methods == [.sshAgent,
                                        .sshKey(privateKey: "/keys/fleet", passphraseVariable: "ENPIRE_SSH_KEY_PASSPHRASE"),
                                        .httpsToken(variable: "ENPIRE_GIT_TOKEN", username: "x-access-token")])
        #expect(credentials.sshUsername == "lab")
        #expect(!credentials.description.contains("s3cret"))
        let defaults = FleetCredentials.fromEnvironment(["HOME": "/home/op"])
        #expect(defaults.methods.contains(.sshKey(privateKey: "/home/op/.ssh/id_ed25519",
                                                  passphraseVariable: "ENPIRE_SSH_KEY_PASSPHRASE")))
        #expect(FleetHostKeyPolicy.fromEnvironment(["HOME": "/home/op"])
                == FleetHostKeyPolicy(knownHostsFile: "/home/op/.ssh/known_hosts", trustOnFirstUse: false))
        #expect(FleetHostKeyPolicy.fromEnvironment(["HOME": "/h", "ENPIRE_KNOWN_HOSTS": "/etc/fleet_hosts",
                                                    "ENPIRE_SSH_TRUST_ON_FIRST_USE": "1"])
                == FleetHostKeyPolicy(knownHostsFile: "/etc/fleet_hosts", trustOnFirstUse: true))
    }
}
