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
}
