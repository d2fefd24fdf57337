import Enpire
import EnpireFleet
import EnpireTesting
import Foundation
import Testing

@Suite("Fleet on Git")
struct FleetTests {
    @Test("three stations publish kept results and each sees all after sync; best recipe is adoptable")
    func threeStationsSeeEachOther() async throws {
        let folder = try LedgerFixtures.temporaryFolder("fleet3")
        defer { try? FileManager.default.removeItem(at: folder) }
        let remote = try FleetRemote.createBare(at: folder.appendingPathComponent("remote.git"))
        var stations: [FleetStation] = []
        for name in ["alpha", "beta", "gamma"] {
            stations.append(try await FleetStation(name: name, remote: remote,
                                                   clonePath: folder.appendingPathComponent(name)))
        }
        let rates = [("alpha", 30), ("beta", 45), ("gamma", 38)]
        for (station, (name, successes)) in zip(stations, rates) {
            let record = try LedgerFixtures.record(id: "\(name)-1", station: name, successes: successes, trials: 50,
                                                  config: ["policy": "bc", "owner": name])
            try await station.publish(record)
        }
        // A reverted result is never published.
        await #expect(throws: FleetError.notKept(recordID: "alpha-2")) {
            try await stations[0].publish(try LedgerFixtures.record(id: "alpha-2", station: "alpha", successes: 1,
                                                                   trials: 50, decision: .revert))
        }
        for station in stations {
            try await station.sync()
            let ids = try await station.keptResults().map(\.id)
            #expect(Set(ids) == ["alpha-1", "beta-1", "gamma-1"])
            let best = try #require(try await station.bestRecipe(task: "pusht"))
            #expect(best.id == "beta-1")
            #expect(best.config["owner"] == "beta")
            #expect(try await station.bestRecipe(task: "pin-insertion") == nil)
        }
    }

    @Test("a station whose view is stale rebases onto the remote and loses nothing")
    func staleStationRebases() async throws {
        let folder = try LedgerFixtures.temporaryFolder("fleet-stale")
        defer { try? FileManager.default.removeItem(at: folder) }
        let remote = try FleetRemote.createBare(at: folder.appendingPathComponent("remote.git"))
        let first = try await FleetStation(name: "one", remote: remote, clonePath: folder.appendingPathComponent("a"))
        let second = try await FleetStation(name: "two", remote: remote, clonePath: folder.appendingPathComponent("b"))
        try await first.publish(try LedgerFixtures.record(id: "r1", station: "one", successes: 5, trials: 10))
        // `second` has not synced, so its first push of the shared results branch is non-fast-forward.
        let receipt = try await second.publish(try LedgerFixtures.record(id: "r2", station: "two", successes: 6,
                                                                        trials: 10))
        #expect(receipt.attempts >= 2)
        try await first.sync()
        #expect(Set(try await first.keptResults().map(\.id)) == ["r1", "r2"])
    }

    @Test("8 stations pushing concurrently 10 times each never lose a record")
    func concurrentPushesLoseNothing() async throws {
        let folder = try LedgerFixtures.temporaryFolder("fleet8")
        defer { try? FileManager.default.removeItem(at: folder) }
        let remote = try FleetRemote.createBare(at: folder.appendingPathComponent("remote.git"))
        let stationCount = 8
        let pushesPerStation = 10
        let attempts = try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<stationCount {
                group.addTask {
                    let name = "s\(index)"
                    let station = try await FleetStation(name: name, remote: remote,
                                                         clonePath: folder.appendingPathComponent(name))
                    var total = 0
                    for push in 0..<pushesPerStation {
                        let record = try LedgerFixtures.record(id: "\(name)-\(push)", station: name,
                                                              successes: push, trials: 10)
                        total += try await station.publish(record).attempts
                    }
                    return total
                }
            }
            return try await group.reduce(0, +)
        }
        #expect(attempts >= stationCount * pushesPerStation)
        let observer = try await FleetStation(name: "observer", remote: remote,
                                              clonePath: folder.appendingPathComponent("observer"))
        let ids = Set(try await observer.keptResults().map(\.id))
        var expected = Set<String>()
        for index in 0..<stationCount {
            for push in 0..<pushesPerStation { expected.insert("s\(index)-\(push)") }
        }
        #expect(ids == expected)
        #expect(ids.count == stationCount * pushesPerStation)
    }

    @Test("invalid station names are refused before touching Git")
    func invalidNames() async throws {
        let folder = try LedgerFixtures.temporaryFolder("fleet-names")
        defer { try? FileManager.default.removeItem(at: folder) }
        let remote = try FleetRemote.createBare(at: folder.appendingPathComponent("remote.git"))
        await #expect(throws: FleetError.invalidName(kind: "station name", value: "../evil")) {
            _ = try await FleetStation(name: "../evil", remote: remote, clonePath: folder.appendingPathComponent("x"))
        }
        #expect(FleetRemote("ssh://git@example.com/fleet.git").localPath == nil)
        #expect(FleetRemote("git@example.com:fleet.git").localPath == nil)
        #expect(FleetRemote("file:///srv/fleet.git").localPath == "/srv/fleet.git")
        #expect(FleetRemote("/srv/fleet.git").localPath == "/srv/fleet.git")
    }

    @Test("checkpoint store round-trips and detects a corrupted object")
    func checkpointStore() throws {
        let folder = try LedgerFixtures.temporaryFolder("ckpt")
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try CheckpointStore(root: folder.appendingPathComponent("store"))
        let source = folder.appendingPathComponent("policy.safetensors")
        let payload = Data((0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        try payload.write(to: source)
        let hash = try store.put(source)
        #expect(hash == SHA256.hex(payload))
        #expect(try store.put(source) == hash)
        let url = try store.get(hash)
        #expect(try Data(contentsOf: url) == payload)

        var corrupted = payload
        corrupted[1_234] ^= 0xff
        try corrupted.write(to: store.objectURL(hash))
        #expect(throws: FleetError.checkpointCorrupted(hash: hash, actualHash: SHA256.hex(corrupted),
                                                       path: store.objectURL(hash).path)) {
            _ = try store.get(hash)
        }
        #expect(throws: FleetError.checkpointNotFound(hash: String(repeating: "0", count: 64))) {
            _ = try store.get(String(repeating: "0", count: 64))
        }
    }
}
