import Enpire
import EnpireFleet
import EnpireTesting
import Foundation
import Testing

@Suite("Fleet republish and rejection reports")
struct FleetRepublishTests {
    @Test("after a force-push the owner republishes from its ledger and every station syncs again")
    func republishRestoresRecords() async throws {
        let folder = try LedgerFixtures.temporaryFolder("fleet-republish")
        defer { try? FileManager.default.removeItem(at: folder) }
        let remote = try FleetRemote.createBare(at: folder.appendingPathComponent("remote.git"))
        let alpha = try await FleetStation(name: "alpha", remote: remote, clonePath: folder.appendingPathComponent("a"))
        let gamma = try await FleetStation(name: "gamma", remote: remote, clonePath: folder.appendingPathComponent("g"))
        let ledger = [try LedgerFixtures.record(id: "alpha-1", station: "alpha", successes: 5, trials: 10),
                      try LedgerFixtures.record(id: "alpha-2", station: "alpha", successes: 2, trials: 10, decision: .revert),
                      try LedgerFixtures.record(id: "alpha-3", station: "alpha", successes: 7, trials: 10)]
        try await alpha.publish(ledger[0])
        try await alpha.publish(ledger[2])
        // alpha does not sync again: its last good view of `results` lacks gamma-1.
        try await gamma.publish(try LedgerFixtures.record(id: "gamma-1", station: "gamma", successes: 4, trials: 10))
        let beta = try await FleetStation(name: "beta", remote: remote, clonePath: folder.appendingPathComponent("b"))
        #expect(Set(try await beta.keptResults().map(\.id)) == ["alpha-1", "alpha-3", "gamma-1"])

        try HostilePeer.forcePushUnrelated(to: URL(fileURLWithPath: remote.url), branches: ["results", "stations/alpha"],
                                           in: folder)
        do {
            try await beta.sync()
            Issue.record("sync adopted rewritten history")
        } catch let error as FleetError {
            guard case let .historyRewritten(_, branches) = error else { throw error }
            #expect(branches == ["results", "stations/alpha"])
            #expect(error.description.contains("enpire fleet republish"))
        }
        // Publishing on rewritten history is refused too.
        await #expect(throws: FleetError.self) {
            try await alpha.publish(try LedgerFixtures.record(id: "alpha-4", station: "alpha", successes: 8, trials: 10))
        }
        let receipt = try await alpha.republish(ledger)
        #expect(receipt.recordIDs == ["alpha-1", "alpha-3"])
        // alpha's branch is whole again, but `results` still misses gamma-1: still refused until gamma republishes.
        do {
            try await beta.sync()
            Issue.record("sync adopted a results branch that lost gamma-1")
        } catch let FleetError.historyRewritten(_, branches) {
            #expect(branches == ["results"])
        }
        await #expect(throws: FleetError.self) { try await gamma.sync() }
        try await gamma.republish([try LedgerFixtures.record(id: "gamma-1", station: "gamma", successes: 4, trials: 10)])
        try await beta.sync()
        try await gamma.sync()
        #expect(Set(try await beta.keptResults().map(\.id)) == ["alpha-1", "alpha-3", "gamma-1"])
        #expect(Set(try await gamma.keptResults().map(\.id)) == ["alpha-1", "alpha-3", "gamma-1"])
        // The fleet moves on normally afterwards.
        try await alpha.publish(try LedgerFixtures.record(id: "alpha-4", station: "alpha", successes: 8, trials: 10))
        try await beta.sync()
        #expect(try await beta.bestRecipe(task: "pusht")?.id == "alpha-4")
    }

    @Test("skipped files are reported with a reason; a claimed station's records must carry its frozen hash")
    func rejectionsAreReported() async throws {
        let folder = try LedgerFixtures.temporaryFolder("fleet-report")
        defer { try? FileManager.default.removeItem(at: folder) }
        let remote = try FleetRemote.createBare(at: folder.appendingPathComponent("remote.git"))
        let alpha = try await FleetStation(name: "alpha", remote: remote, clonePath: folder.appendingPathComponent("a"))
        try await alpha.claim(frozenHash: "f00d")
        try await alpha.claim(frozenHash: "f00d")  // idempotent for its owner
        try await alpha.publish(try LedgerFixtures.record(id: "alpha-1", station: "alpha", successes: 5, trials: 10))
        let peer = try HostilePeer(remote: URL(fileURLWithPath: remote.url), in: folder)
        try peer.write("records/evil/evil-1.json", "{ not json")
        try peer.write("records/evil/evil-2.json", symlinkTo: "/etc/passwd")
        var other = try LedgerFixtures.record(id: "alpha-9", station: "alpha", successes: 10, trials: 10)
        other.frozenHash = "beef"
        try peer.write("records/alpha/alpha-9.json", try HostilePeer.recordJSON(other))
        try peer.write("records/alpha/alpha-1.json", try HostilePeer.recordJSON(
            try LedgerFixtures.record(id: "alpha-1", station: "alpha", successes: 9, trials: 10)))
        try peer.write("records/evil/big.json", String(repeating: " ", count: FleetStation.maxRecordBytes + 1))
        try peer.push()
        let beta = try await FleetStation(name: "beta", remote: remote, clonePath: folder.appendingPathComponent("b"))
        let view = try await beta.view()
        #expect(view.records.map(\.id) == ["alpha-1"])
        #expect(view.records.first?.results.successes == 5)
        let reasons = Dictionary(view.rejected.map { ($0.path, $0.reason) }, uniquingKeysWith: { a, _ in a })
        #expect(reasons["records/evil/evil-1.json"]?.contains("not a valid experiment record") == true)
        #expect(reasons["records/evil/evil-2.json"]?.contains("not a regular file") == true)
        #expect(reasons["records/alpha/alpha-9.json"]?.contains("frozen hash") == true)
        #expect(reasons["records/alpha/alpha-1.json"]?.contains("conflicts") == true)
        #expect(reasons["records/evil/big.json"]?.contains("limit") == true)
        // A second clone cannot claim the name either.
        let impostor = try await FleetStation(name: "alpha", remote: remote, clonePath: folder.appendingPathComponent("i"))
        await #expect(throws: FleetError.stationNameTaken(station: "alpha", remote: remote.url)) {
            try await impostor.claim(frozenHash: "f00d")
        }
    }

    @Test("one ranking rule: the Wilson lower bound leads, so 1/1 does not beat 2/3")
    func wilsonRanking() throws {
        let oneOfOne = try LedgerFixtures.record(id: "a", station: "s", successes: 1, trials: 1)
        let twoOfThree = try LedgerFixtures.record(id: "b", station: "s", successes: 2, trials: 3)
        #expect(ExperimentRecord.isBetter(twoOfThree, than: oneOfOne))
    }
}
