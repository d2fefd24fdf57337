import EnpireTesting
import Foundation
import Testing

@testable import EnpireFleet

@Suite("Fleet commits built along the files' paths")
struct FleetCommitBuildTests {
    typealias Files = [(path: String, contents: Data)]

    static func files(_ pairs: [(String, String)]) -> Files {
        pairs.map { (path: $0.0, contents: Data($0.1.utf8)) }
    }

    @Test("a publish commit has exactly the tree an index holding the base plus the files would write")
    func sameTreeAsIndex() throws {
        let folder = try LedgerFixtures.temporaryFolder("fleet-commit-build")
        defer { try? FileManager.default.removeItem(at: folder) }
        let repository = try GitRepository(openingOrCreatingBareAt: folder.appendingPathComponent("clone").path)
        let steps: [Files] = [
            Self.files([("owners/a.json", "{\"owner\":\"x\"}"), ("records/a/1.json", "one"),
                        ("recipes/a/1.json", "{}"), ("README", "fleet")]),
            // New file in an existing folder, a new second-level folder, a new top-level folder.
            Self.files([("records/a/2.json", "two"), ("records/b/1.json", "b-one"), ("checkpoints/a/c.bin", "c")]),
            // A replaced file and a file sorting before every existing one.
            Self.files([("records/a/1.json", "one, amended"), ("0-first", "z")]),
            // Two files in one new folder, listed in reverse order.
            Self.files([("recipes/c/9.json", "9"), ("recipes/c/1.json", "1")]),
        ]
        var base: GitObjectID?
        for files in steps {
            let built = try repository.commit(base: base, adding: files, message: "m\n", author: "a")
            let viaIndex = try repository.commit(parents: base.map { [$0] } ?? [], treeOf: base, adding: files,
                                                 message: "m\n", author: "a")
            #expect(try repository.treeID(of: built) == repository.treeID(of: viaIndex))
            for file in files {
                let blob = try #require(try repository.blob(atPath: file.path, of: built))
                #expect(try repository.blobContents(blob) == file.contents)
            }
            base = built
        }
        let records = try repository.entries(inTwoLevelFolder: "records", of: try #require(base))
        #expect(records.map(\.path).sorted() == ["records/a/1.json", "records/a/2.json", "records/b/1.json"])
    }

    @Test("a publish moves no remote-tracking ref: the adopted tips stay the only view of the remote")
    func pushWritesNoRemoteTrackingRefs() async throws {
        let folder = try LedgerFixtures.temporaryFolder("fleet-commit-build")
        defer { try? FileManager.default.removeItem(at: folder) }
        let remote = try FleetRemote.createBare(at: folder.appendingPathComponent("remote.git"))
        let clone = folder.appendingPathComponent("clone")
        let station = try await FleetStation(name: "alpha", remote: remote, clonePath: clone)
        let receipt = try await station.publish(
            try LedgerFixtures.record(id: "exp-1", station: "alpha", successes: 3, trials: 4))
        let repository = try GitRepository(openingOrCreatingBareAt: clone.path)
        #expect(try repository.references(matching: "refs/remotes/*").isEmpty)
        #expect(try repository.target(of: "refs/enpire/seen/stations/alpha") == receipt.stationCommit)
        let shared = try GitRepository(openingOrCreatingBareAt: folder.appendingPathComponent("remote.git").path)
        #expect(try shared.target(of: "refs/heads/results") == receipt.resultsCommit)
    }

    @Test("staged objects reach the disk as one pack before any reference names them")
    func stagedObjectsArePersistedBeforeReferences() async throws {
        let folder = try LedgerFixtures.temporaryFolder("fleet-commit-build")
        defer { try? FileManager.default.removeItem(at: folder) }
        let remote = try FleetRemote.createBare(at: folder.appendingPathComponent("remote.git"))
        let clone = folder.appendingPathComponent("clone")
        let station = try await FleetStation(name: "alpha", remote: remote, clonePath: clone)
        let record = try LedgerFixtures.record(id: "exp-1", station: "alpha", successes: 3, trials: 4)
        let receipt = try await station.publish(record)

        // Another handle on the clone (no access to the station's memory) reads every published object.
        let reader = try GitRepository(openingOrCreatingBareAt: clone.path)
        for commit in [receipt.stationCommit, receipt.resultsCommit] {
            let blob = try #require(try reader.blob(atPath: "records/alpha/exp-1.json", of: commit))
            #expect(try reader.blobContents(blob) == FleetStation.files(for: record, station: "alpha")[0].contents)
        }
        // Written as a pack, not as loose objects (objects/xx/ folders).
        let objects = try FileManager.default.contentsOfDirectory(atPath: clone.appendingPathComponent("objects").path)
        #expect(objects.filter { $0.count == 2 }.isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(
            atPath: clone.appendingPathComponent("objects/pack").path).contains { $0.hasSuffix(".pack") })

        // A commit built but never referenced is written only when a reference moves (here: the next publish).
        let staged = try reader.commit(base: nil, adding: [("a.txt", Data("a".utf8))], message: "m\n", author: "a")
        #expect(try reader.treeID(of: staged).isEmpty == false)
        try reader.stageObjectsInMemory()
        let inMemory = try reader.commit(base: staged, adding: [("b.txt", Data("b".utf8))], message: "m\n",
                                         author: "a")
        #expect(throws: FleetError.self) {
            try GitRepository(openingOrCreatingBareAt: clone.path).treeID(of: inMemory)
        }
        try reader.setReference("refs/heads/probe", to: inMemory)
        #expect(try GitRepository(openingOrCreatingBareAt: clone.path).treeID(of: inMemory)
            == reader.treeID(of: inMemory))
    }
}
