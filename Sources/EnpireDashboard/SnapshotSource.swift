import EnpireResearch
import Foundation

/// The latest snapshot of a workspace, shared by every connected page: rebuilt only when one of the files it
/// comes from changed (modification time and size of the ledger, the operator state, the pending and trials
/// folders and the running trial's folder) or when it is older than `maximumAge` (so an ETA stays fresh).
actor SnapshotSource {
    struct Current: Sendable {
        /// Bumped whenever the snapshot's content changed.
        var version: Int
        /// The snapshot as one line of JSON.
        var json: Data
    }

    let workspace: ResearchWorkspace
    let maximumAge: TimeInterval
    private var fingerprint: [String] = []
    private var built = Date.distantPast
    private var current = Current(version: 0, json: Data())
    private var runningFolder: String?

    init(workspace: ResearchWorkspace, maximumAge: TimeInterval = 2) {
        self.workspace = workspace
        self.maximumAge = maximumAge
    }

    /// The current snapshot, rebuilt if its sources changed.
    func snapshot() async throws -> Current {
        let now = Self.stamp(of: fingerprintPaths())
        if now == fingerprint, Date().timeIntervalSince(built) < maximumAge, current.version > 0 { return current }
        let snapshot = try await DashboardSnapshot.read(workspace)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let json = try encoder.encode(snapshot)
        fingerprint = now
        built = Date()
        runningFolder = snapshot.running.map { workspace.operatorFolder.appendingPathComponent("trials/\($0.id)").path }
        if json != current.json { current = Current(version: current.version + 1, json: json) }
        return current
    }

    private func fingerprintPaths() -> [String] {
        let folder = workspace.folder, operatorFolder = workspace.operatorFolder
        return [folder.appendingPathComponent("ledger.jsonl").path, operatorFolder.appendingPathComponent("operator.json").path,
                operatorFolder.appendingPathComponent("pending").path, operatorFolder.appendingPathComponent("trials").path]
            + (runningFolder.map { [$0] } ?? [])
    }

    /// Modification time and size of each path, `-` for a missing one.
    static func stamp(of paths: [String]) -> [String] {
        paths.map { path in
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: path) else { return "-" }
            let modified = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
            return "\(modified):\((attributes[.size] as? NSNumber)?.int64Value ?? -1)"
        }
    }
}
