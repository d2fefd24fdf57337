import Enpire
@testable import EnpireResearch
import Foundation
import Testing

/// Files an agent can write (the workspace, a policy's manifest, its standard error) are read with a size limit:
/// a huge one is refused or read only at its end, never loaded whole.
@Suite("Hostile workspace files")
struct HostileWorkspaceFileTests {
    /// Grows `url` to `bytes` without writing them (a sparse file: no disk used), then writes `tail` at its end.
    static func sparse(_ url: URL, bytes: UInt64, tail: String = "") throws {
        try #require(FileManager.default.createFile(atPath: url.path, contents: nil))
        let handle = try FileHandle(forWritingTo: url)
        defer { try? handle.close() }
        try handle.truncate(atOffset: bytes)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(tail.utf8))
    }

    @Test("a policy's 8 GiB standard error: only its end is read")
    func standardErrorTail() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("enpire-stderr-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: url) }
        try Self.sparse(url, bytes: 8 << 30, tail: "Traceback: the last line\n")
        let tail = CodePolicy.tail(of: url)
        #expect(tail.count == CommandRunner.outputLimit)
        #expect(tail.hasSuffix("Traceback: the last line\n"))
        #expect(CodePolicy.tail(of: url.appendingPathExtension("missing")) == "")
    }

    @Test("a huge policy manifest, station file, frozen criteria or operator state is refused, not loaded")
    func hugeDocuments() async throws {
        let registry = TaskRegistry()
        try registry.register(ReachTask())
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("enpire-hostile-\(UUID().uuidString)")
        let workspace = ResearchWorkspace(folder: folder, registry: registry)
        defer {
            try? FileManager.default.removeItem(at: folder)
            try? FileManager.default.removeItem(at: workspace.operatorFolder)
        }
        _ = try await workspace.initialise(task: ReachTask(), station: "lab-1", fleet: nil, episodesPerTrial: 2, heldOut: 4)
        let huge = UInt64(ResearchWorkspace.maximumDocumentBytes) + 1

        let manifestFolder = folder.appendingPathComponent("tree")
        try FileManager.default.createDirectory(at: manifestFolder, withIntermediateDirectories: true)
        try Self.sparse(manifestFolder.appendingPathComponent(PolicyManifest.fileName), bytes: 4 << 30)
        // Refused for its size (a whole read would fail later, at decoding, after allocating 4 GiB).
        let manifestError = #expect(throws: CodePolicyError.self) { _ = try PolicyManifest.load(from: manifestFolder) }
        #expect("\(manifestError.map { "\($0)" } ?? "")".contains("larger than"))

        // The workspace's frozen criteria, which an agent could overwrite: refused as changed.
        let frozen = try Data(contentsOf: workspace.frozenURL)
        try Self.sparse(workspace.frozenURL, bytes: huge)
        let frozenError = #expect(throws: ResearchWorkspace.WorkspaceError.self) { _ = try workspace.frozenCriteria() }
        #expect("\(frozenError.map { "\($0)" } ?? "")".contains("larger than"))
        try frozen.write(to: workspace.frozenURL)
        _ = try workspace.frozenCriteria()

        // Without a readable operator state the station file is read from the workspace, also with the limit.
        let state = try Data(contentsOf: workspace.operatorStateURL)
        try Self.sparse(workspace.operatorStateURL, bytes: huge)
        #expect(throws: ResearchWorkspace.WorkspaceError.self) { _ = try workspace.readState() }
        try Self.sparse(workspace.stationURL, bytes: huge)
        #expect(throws: ResearchWorkspace.WorkspaceError.self) { _ = try workspace.station() }
        try state.write(to: workspace.operatorStateURL)
        #expect(try workspace.station().name == "lab-1")
    }
}
