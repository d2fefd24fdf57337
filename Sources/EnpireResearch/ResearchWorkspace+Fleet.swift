public import Enpire
public import EnpireFleet
import Foundation

/// Errors of a workspace's fleet side.
public enum WorkspaceFleetError: Error, CustomStringConvertible {
    /// The keep is in the ledger but publishing it to the fleet failed; `enpire keep ID` again completes it.
    case publishPending(id: String, reason: String)
    /// There are kept records, but none can be used (each listed with its reason).
    case noUsableKeptRecord(skipped: [String])
    /// The command needs a fleet and the workspace joined none.
    case noFleet(String)

    /// A message a user can act on.
    public var description: String {
        switch self {
        case let .publishPending(id, reason):
            return "\(id) is kept in the ledger but was not published to the fleet (\(reason)); fix the cause, then "
                + "run `enpire keep \(id)` again (or `enpire fleet republish`) to publish it"
        case let .noUsableKeptRecord(skipped):
            return "no kept record can be evaluated; skipped: \(skipped.joined(separator: "; ")). Keep a valid "
                + "trial first"
        case let .noFleet(path):
            return "the workspace \(path) joined no fleet (enpire init --fleet PATH)"
        }
    }
}

extension ResearchWorkspace {
    /// The best kept recipe this station may use, and the records skipped on the way.
    public struct KeptChoice: Sendable {
        /// The best valid kept record (own ledger or fleet), or `nil` when nothing was kept anywhere.
        public var best: ExperimentRecord?
        /// Its recipe, or the baseline recipe when nothing was kept.
        public var recipe: Recipe
        /// Kept records that were skipped, with the reason.
        public var skipped: [RejectedRecord]
    }

    /// The best kept recipe across the station's ledger and the fleet, ranked by
    /// `ExperimentRecord.isBetter(_:than:)` (Wilson lower bound first), after validating every record.
    ///
    /// Own records must carry this station's name and frozen hash; fleet records pass
    /// `FleetStation.view(task:frozenHash:)`; every record's recipe must be of the task's family. Skipped
    /// records are returned, never used. Throws when this station kept records, or the fleet holds valid ones,
    /// but none is usable (instead of quietly scoring the baseline), and when the fleet's history was rewritten.
    public func bestKeptRecipe() async throws -> KeptChoice {
        let file = try station()
        var skipped: [RejectedRecord] = []
        var candidates: [ExperimentRecord] = []
        for record in await (try ledger()).allRecords() where record.decision == .keep && record.task == file.task {
            let problems = FleetStation.problems(with: record)
                + (record.station == file.name ? [] : ["station \(record.station) is not \(file.name)"])
                + (record.frozenHash == file.frozenHash ? [] : ["scored under other frozen criteria"])
            if let problem = problems.first {
                skipped.append(RejectedRecord(branch: "ledger", path: record.id, reason: problem))
            } else {
                candidates.append(record)
            }
        }
        let ownSkipped = skipped.count
        if let fleet = try await fleetStation() {
            try await fleet.sync()
            let view = try await fleet.view(task: file.task)
            skipped += view.rejected
            let own = Set(candidates.map(\.id))
            candidates += view.records.filter { !($0.station == file.name && own.contains($0.id)) }
        }
        let task = try task()
        var usable: [ExperimentRecord] = []
        for record in candidates {
            if let recipe = record.recipe, task.accepts(recipe) {
                usable.append(record)
            } else {
                skipped.append(RejectedRecord(branch: record.station, path: record.id,
                                              reason: "its recipe is not a \(task.space.family) recipe"))
            }
        }
        guard let best = usable.sorted(by: ExperimentRecord.isBetter).first, let recipe = best.recipe else {
            // Files a peer broke are reported, never a reason to refuse; a kept record that cannot be used is.
            if !candidates.isEmpty || ownSkipped > 0 {
                throw WorkspaceFleetError.noUsableKeptRecord(skipped: skipped.map(\.description))
            }
            return KeptChoice(best: nil, recipe: task.baseline, skipped: skipped)
        }
        return KeptChoice(best: best, recipe: recipe, skipped: skipped)
    }

    /// Pending trial files whose content is a trial stored under its own id (anything else is ignored: an id
    /// is never turned into a path unless it is a valid name and matches the file it came from).
    /// Reading needs the operator folder (pending trials live there, out of the agent's reach).
    func pendingTrialFiles() throws -> [(trial: PendingTrial, url: URL)] {
        _ = try readState()
        let names = (try? FileManager.default.contentsOfDirectory(atPath: pendingURL.path)) ?? []
        return names.filter { $0.hasSuffix(".json") }.compactMap { name -> (PendingTrial, URL)? in
            let url = pendingURL.appendingPathComponent(name)
            guard let values = try? url.resourceValues(forKeys: [.isRegularFileKey, .isSymbolicLinkKey]),
                  values.isRegularFile == true, values.isSymbolicLink != true,
                  let trial = try? JSONDecoder().decode(PendingTrial.self, from: SafeFile.read(url, limit: Self.maximumDocumentBytes)),
                  (try? FleetStation.validate(trial.id, kind: "trial id")) != nil,
                  name == "\(trial.id).json" else { return nil }
            return (trial, url)
        }.sorted { $0.0.startedAt < $1.0.startedAt }
    }

    /// Publishes a kept record, turning any failure into ``WorkspaceFleetError/publishPending(id:reason:)``:
    /// the ledger already holds the keep, and `enpire keep ID` again completes the publish.
    func publishKept(_ record: ExperimentRecord) async throws {
        do {
            guard let fleet = try await fleetStation() else { return }
            // The code first: a record that names a commit is only useful once peers can fetch the commit.
            try publishKeptCode(record)
            if try await fleet.isPublished(record.id) { return }
            try await fleet.publish(record)
        } catch {
            throw WorkspaceFleetError.publishPending(id: record.id, reason: "\(error)")
        }
    }

    /// Stores the operator's copy of a kept record (`<operator>/kept/<id>.json`). Only these copies are ever
    /// published again: the ledger lies in the workspace, where an agent can append forged keeps.
    func recordKept(_ record: ExperimentRecord) throws {
        try FleetStation.validate(record.id, kind: "trial id")
        let url = keptURL.appendingPathComponent("\(record.id).json")
        do {
            try FileManager.default.createDirectory(at: keptURL, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
            try Self.encoder.encode(record).write(to: url, options: .atomic)
        } catch {
            throw WorkspaceError.io(path: url.path, reason: "\(error)")
        }
    }

    /// The operator's copies of this station's kept records (needs the operator folder; files that are not a
    /// record of this station stored under its own id are ignored).
    func operatorKeptRecords() throws -> [ExperimentRecord] {
        let file = try readState().station
        let names = (try? FileManager.default.contentsOfDirectory(atPath: keptURL.path)) ?? []
        return names.filter { $0.hasSuffix(".json") }.sorted().compactMap { name -> ExperimentRecord? in
            let url = keptURL.appendingPathComponent(name)
            guard let values = try? url.resourceValues(forKeys: [.isRegularFileKey, .isSymbolicLinkKey]),
                  values.isRegularFile == true, values.isSymbolicLink != true,
                  let record = try? JSONDecoder().decode(ExperimentRecord.self,
                                                       from: SafeFile.read(url, limit: Self.maximumDocumentBytes)),
                  name == "\(record.id).json", record.decision == .keep, record.station == file.name,
                  FleetStation.problems(with: record).isEmpty else { return nil }
            return record
        }
    }

    /// The kept record `id` of this station, when a keep was recorded but maybe not published yet. Read from the
    /// operator folder, never from the ledger, so a keep the agent forged in the ledger cannot be published.
    func keptRecord(_ id: String) async throws -> ExperimentRecord? {
        try operatorKeptRecords().first { $0.id == id }
    }

    /// Restores this station's kept records on the fleet (after a peer rewrote or deleted the fleet's branches,
    /// or a publish that never completed).
    ///
    /// The records come from the operator folder's copies (`<operator>/kept/`), not from `ledger.jsonl`: the
    /// ledger is in the workspace an agent writes. Without the operator folder (inside `enpire agent`'s sandbox,
    /// or a wrong `--operator`) this throws ``ResearchWorkspace/WorkspaceError/operatorFolderUnavailable(_:)``, and
    /// the runner does not serve `fleet` commands to an agent.
    public func republish() async throws -> RepublishReceipt {
        let records = try operatorKeptRecords()
        guard let fleet = try await fleetStation() else { throw WorkspaceFleetError.noFleet(folder.path) }
        return try await fleet.republish(records)
    }

    /// The fleet remote for a `station.json` fleet string: a URL as given, else a local path.
    static func fleetRemote(_ fleet: String) -> FleetRemote {
        fleet.contains("://") ? FleetRemote(fleet) : FleetRemote(path: URL(fileURLWithPath: fleet))
    }

    /// Claims `station` in `fleet` for this workspace's clone, refusing a name another workspace claimed.
    func claimStationName(_ station: String, fleet: String, frozenHash: String) async throws {
        let handle = try await FleetStation(name: station, remote: Self.fleetRemote(fleet),
                                            clonePath: folder.appendingPathComponent("fleet-clone"))
        try await handle.claim(frozenHash: frozenHash)
    }
}
