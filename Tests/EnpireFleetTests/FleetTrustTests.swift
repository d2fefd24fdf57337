import Enpire
import EnpireFleet
import EnpireTesting
import Foundation
import Testing

/// A fleet peer that writes straight to the shared remote with the `git` command line (no Enpire checks).
struct HostilePeer {
    let remote: URL
    let work: URL

    init(remote: URL, in folder: URL, branch: String = "results") throws {
        self.remote = remote
        work = folder.appendingPathComponent("hostile-\(UUID().uuidString)")
        try Self.git(["clone", "-q", "-b", branch, remote.path, work.path], in: folder)
    }

    /// Writes `contents` at `path` (creating folders), or a symlink when `symlinkTo` is given.
    func write(_ path: String, _ contents: String = "", symlinkTo target: String? = nil) throws {
        let url = work.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        if let target {
            try FileManager.default.createSymbolicLink(atPath: url.path, withDestinationPath: target)
        } else {
            try Data(contents.utf8).write(to: url)
        }
    }

    /// Commits everything and pushes to `branches`.
    func push(_ branches: [String] = ["results"], force: Bool = false) throws {
        try Self.git(["add", "-A"], in: work)
        try Self.git(["-c", "user.name=mallory", "-c", "user.email=m@x", "commit", "-q", "-m", "hostile"], in: work)
        try Self.git(["push", "-q"] + (force ? ["--force"] : []) + ["origin"] + branches.map { "HEAD:refs/heads/\($0)" },
                     in: work)
    }

    /// Replaces `branches` on the remote with one unrelated commit (a force-push of other history).
    static func forcePushUnrelated(to remote: URL, branches: [String], in folder: URL) throws {
        let work = folder.appendingPathComponent("unrelated-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        try git(["init", "-q"], in: work)
        try Data("nothing here\n".utf8).write(to: work.appendingPathComponent("README"))
        try git(["add", "-A"], in: work)
        try git(["-c", "user.name=mallory", "-c", "user.email=m@x", "commit", "-q", "-m", "unrelated"], in: work)
        try git(["push", "-q", "--force", remote.path] + branches.map { "HEAD:refs/heads/\($0)" }, in: work)
    }

    static func git(_ arguments: [String], in folder: URL) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git"] + arguments
        process.currentDirectoryURL = folder
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw FleetError.io(path: folder.path, reason: "git \(arguments.joined(separator: " ")) failed")
        }
    }

    /// A record as JSON with any field overridden (`rate` and interval fields included).
    static func recordJSON(_ record: ExperimentRecord, overriding fields: [String: Any] = [:]) throws -> String {
        var object = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(record)) as? [String: Any])
        for (key, value) in fields { object[key] = value }
        return String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
    }
}

@Suite("Fleet against a hostile peer (issue 17, class 5)")
struct FleetTrustTests {
    static func fleet(_ label: String) async throws -> (folder: URL, remote: FleetRemote, alpha: FleetStation) {
        let folder = try LedgerFixtures.temporaryFolder(label)
        let remote = try FleetRemote.createBare(at: folder.appendingPathComponent("remote.git"))
        let alpha = try await FleetStation(name: "alpha", remote: remote, clonePath: folder.appendingPathComponent("a"))
        try await alpha.publish(try LedgerFixtures.record(id: "alpha-1", station: "alpha", successes: 5, trials: 10))
        return (folder, remote, alpha)
    }

    @Test("a malformed file and a symlink under records/ are skipped; the valid records still list")
    func malformedAndSymlinkedFilesAreSkipped() async throws {
        let (folder, remote, _) = try await Self.fleet("fleet-malformed")
        defer { try? FileManager.default.removeItem(at: folder) }
        let peer = try HostilePeer(remote: URL(fileURLWithPath: remote.url), in: folder)
        try peer.write("records/evil/evil-1.json", "{ not json")
        try peer.write("records/evil/evil-2.json", symlinkTo: "/etc/passwd")
        try peer.write("records/evil/deeper/evil-3.json", "{}")
        try peer.push()
        let beta = try await FleetStation(name: "beta", remote: remote, clonePath: folder.appendingPathComponent("b"))
        try await beta.sync()
        #expect(try await beta.keptResults().map(\.id) == ["alpha-1"])
        #expect(try await beta.bestRecipe(task: "pusht")?.id == "alpha-1")
    }

    @Test("forged records (../ in id or station, station not its folder, rates that do not match counts) are not listed")
    func forgedRecordsAreNotListed() async throws {
        let (folder, remote, _) = try await Self.fleet("fleet-forged")
        defer { try? FileManager.default.removeItem(at: folder) }
        let peer = try HostilePeer(remote: URL(fileURLWithPath: remote.url), in: folder)
        let template = try LedgerFixtures.record(id: "evil-1", station: "evil", successes: 1, trials: 1)
        try peer.write("records/evil/evil-1.json", try HostilePeer.recordJSON(template, overriding: ["id": "../../victim"]))
        try peer.write("records/evil/evil-2.json", try HostilePeer.recordJSON(template, overriding: ["id": "evil-2", "station": "../evil"]))
        try peer.write("records/evil/evil-3.json", try HostilePeer.recordJSON(template, overriding: ["id": "evil-3", "station": "alpha"]))
        var inflated = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(template.results)) as? [String: Any])
        inflated["successes"] = 1
        inflated["trials"] = 1
        inflated["wilsonLower"] = 0.99
        try peer.write("records/evil/evil-4.json", try HostilePeer.recordJSON(template, overriding: ["id": "evil-4", "results": inflated]))
        try peer.push()
        let beta = try await FleetStation(name: "beta", remote: remote, clonePath: folder.appendingPathComponent("b"))
        try await beta.sync()
        #expect(try await beta.keptResults().map(\.id) == ["alpha-1"])
    }

    @Test("a second clone under a taken station name cannot overwrite the first one's records")
    func stationNameClashIsRefused() async throws {
        let folder = try LedgerFixtures.temporaryFolder("fleet-clash")
        defer { try? FileManager.default.removeItem(at: folder) }
        let remote = try FleetRemote.createBare(at: folder.appendingPathComponent("remote.git"))
        let first = try await FleetStation(name: "station-1", remote: remote, clonePath: folder.appendingPathComponent("a"))
        let second = try await FleetStation(name: "station-1", remote: remote, clonePath: folder.appendingPathComponent("b"))
        try await first.publish(try LedgerFixtures.record(id: "station-1-1", station: "station-1", successes: 5, trials: 10))
        await #expect(throws: (any Error).self) {
            try await second.publish(try LedgerFixtures.record(id: "station-1-1", station: "station-1", successes: 9,
                                                              trials: 10))
        }
        let observer = try await FleetStation(name: "observer", remote: remote, clonePath: folder.appendingPathComponent("o"))
        #expect(try await observer.keptResults().map(\.results.successes) == [5])
    }

    @Test("a force-push of unrelated history is refused by sync and the last good view is kept")
    func forcePushIsDetected() async throws {
        let (folder, remote, alpha) = try await Self.fleet("fleet-force")
        defer { try? FileManager.default.removeItem(at: folder) }
        try await alpha.publish(try LedgerFixtures.record(id: "alpha-2", station: "alpha", successes: 6, trials: 10))
        let beta = try await FleetStation(name: "beta", remote: remote, clonePath: folder.appendingPathComponent("b"))
        #expect(Set(try await beta.keptResults().map(\.id)) == ["alpha-1", "alpha-2"])
        try HostilePeer.forcePushUnrelated(to: URL(fileURLWithPath: remote.url), branches: ["results", "stations/alpha"],
                                           in: folder)
        await #expect(throws: (any Error).self) { try await beta.sync() }
        #expect(Set(try await beta.keptResults().map(\.id)) == ["alpha-1", "alpha-2"])
    }
}
