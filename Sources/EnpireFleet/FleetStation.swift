public import Enpire
public import Foundation

/// One station's view of the fleet: a local clone of the shared remote, its own branch `stations/<name>`,
/// and the shared `results` branch every station appends its kept results to.
///
/// A kept result is one commit adding `records/<station>/<id>.json` (the ledger record) and
/// `recipes/<station>/<id>.json` (the recipe), on both branches, pushed in one go. When another station
/// pushed first, the commits are rebuilt on the fetched tips and pushed again (bounded retries, jitter):
/// paths never collide, so the rebase is always clean and no record is lost. Git calls are synchronous and
/// run on the actor; they are short (tens of milliseconds on a path remote).
///
/// Peers are not trusted:
/// - every record read from the fleet is validated (see ``view(task:frozenHash:)``); a malformed, symlinked,
///   oversized or forged file is skipped and reported, never fatal;
/// - a station name is claimed by the first station that publishes under it (`owners/<name>.json` on its
///   branch, holding a random token kept in the clone); another clone refuses to publish under that name;
/// - fetched branches only move forward: a branch rewritten by a force-push is not adopted
///   (``sync()`` throws ``FleetError/historyRewritten(station:branches:)`` and the last good view stays), and
///   ``republish(_:)`` restores a station's records from its ledger on top of whatever the remote holds.
public actor FleetStation {
    /// Station name (branch `stations/<name>`).
    public nonisolated let name: String
    /// The shared remote.
    public nonisolated let remote: FleetRemote
    /// The station's local clone (a bare repository).
    public nonisolated let clonePath: URL
    /// Retry policy for pushes.
    public nonisolated let retryPolicy: FleetRetryPolicy

    /// Branch every station appends kept results to.
    public static let resultsBranch = "results"
    /// Largest record file read from the fleet, in bytes; larger files are skipped.
    public static let maxRecordBytes = 256 * 1024
    /// Where the adopted (validated-history) tips live. Not `refs/remotes/origin/`: libgit2, like git, also
    /// updates refs matching the remote's default refspec on every fetch ("opportunistic" updates), forced,
    /// which would let a force-push through.
    static let trackingPrefix = "refs/enpire/seen/"
    static let fetchedPrefix = "refs/enpire/fetched/"
    static let optimisticAttempts = 3

    let repository: GitRepository
    let ownerToken: String
    var decodedByBlob: [String: ExperimentRecord] = [:]
    /// Branches whose remote history was rewritten at the last fetch (not adopted).
    public private(set) var rewrittenBranches: [String] = []

    /// Opens or creates the station's clone at `clonePath`, points it at `remote` and fetches.
    ///
    /// Opening never fails because a peer rewrote history: the rewritten branches are listed in
    /// ``rewrittenBranches`` (and ``sync()`` refuses) so the station can still ``republish(_:)``.
    public init(name: String, remote: FleetRemote, clonePath: URL, retryPolicy: FleetRetryPolicy = .standard)
        async throws
    {
        try Self.validate(name, kind: "station name")
        self.name = name
        self.remote = remote
        self.clonePath = clonePath
        self.retryPolicy = retryPolicy
        do {
            try FileManager.default.createDirectory(at: clonePath, withIntermediateDirectories: true)
        } catch {
            throw FleetError.io(path: clonePath.path, reason: "cannot create clone folder: \(error)")
        }
        repository = try GitRepository(openingOrCreatingBareAt: clonePath.path)
        try repository.stageObjectsInMemory()
        ownerToken = try Self.ownerToken(in: clonePath)
        try repository.setOrigin(remote)
        rewrittenBranches = try fetchAndAdopt(refspecs: Self.allBranches)
    }

    /// The station's branch name.
    public nonisolated var branch: String { "stations/\(name)" }

    static let allBranches = ["stations/*", resultsBranch]

    /// Fetches every `stations/*` branch and the `results` branch.
    ///
    /// Branches that moved forward are adopted. A branch whose new tip neither contains the tip seen before
    /// nor keeps every well-formed record file of it unchanged (a force-push of other history) is not: the
    /// last good view stays and this throws ``FleetError/historyRewritten(station:branches:)`` after adopting
    /// everything else.
    public func sync() throws {
        rewrittenBranches = try fetchAndAdopt(refspecs: Self.allBranches)
        guard rewrittenBranches.isEmpty else {
            throw FleetError.historyRewritten(station: name, branches: rewrittenBranches)
        }
    }

    /// Fetches `branches` into a staging namespace, then moves each tracking ref only when the new tip
    /// contains the old one. Returns the branches that were rewritten.
    private func fetchAndAdopt(refspecs branches: [String]) throws -> [String] {
        try repository.fetch(refspecs: branches.map {
            "+refs/heads/\($0):\(Self.fetchedPrefix)\($0)"
        })
        var rewritten: [String] = []
        for pattern in branches {
            for fetched in try repository.references(matching: Self.fetchedPrefix + pattern) {
                let branch = String(fetched.dropFirst(Self.fetchedPrefix.count))
                guard let newTip = try repository.target(of: fetched) else { continue }
                let tracking = Self.trackingPrefix + branch
                if let oldTip = try repository.target(of: tracking),
                   !(try repository.contains(oldTip, inHistoryOf: newTip)),
                   !(try keepsEveryRecord(of: oldTip, in: newTip)) {
                    rewritten.append(branch)
                    continue
                }
                try repository.setReference(tracking, to: newTip)
            }
        }
        return rewritten.sorted()
    }

    /// Whether `newTip` still holds, byte for byte, every well-formed record file of `oldTip` (history was
    /// rewritten but nothing valid was lost, e.g. a republish by a station that had not seen the latest tip).
    private func keepsEveryRecord(of oldTip: GitObjectID, in newTip: GitObjectID) throws -> Bool {
        let kept = Dictionary(try repository.entries(inTwoLevelFolder: "records", of: newTip).map { ($0.path, $0.id) },
                              uniquingKeysWith: { first, _ in first })
        for entry in try repository.entries(inTwoLevelFolder: "records", of: oldTip) {
            guard (try? check(entry, expectedFrozenHash: nil, claims: [:])) != nil else { continue }
            if kept[entry.path] != entry.id { return false }
        }
        return true
    }

    /// Publishes a kept result (record plus its recipe) to this station's branch and the results branch.
    ///
    /// The first publish under a name claims it for this clone; a name another clone claimed is refused with
    /// ``FleetError/stationNameTaken(station:remote:)``.
    @discardableResult
    public func publish(_ record: ExperimentRecord) async throws -> PublishReceipt {
        guard record.decision == .keep else { throw FleetError.notKept(recordID: record.id) }
        try Self.validate(record.id, kind: "record id")
        try checkOwn(record)
        let files = try Self.files(for: record, station: name)
        let message = "keep \(record.id) on \(name): \(record.results.successes)/\(record.results.trials) "
            + "\(record.task)\n\n\(record.hypothesis)\n"
        let (commits, attempts) = try await push(fetchFirst: false) {
            try buildCommits(files: files, message: message, frozenHash: record.frozenHash)
        }
        return PublishReceipt(recordID: record.id, stationCommit: commits.station, resultsCommit: commits.results,
                              attempts: attempts)
    }

    /// Claims the station name on the remote now (before any result), so a second workspace choosing the same
    /// name is refused at once. `frozenHash` is the station's frozen-criteria hash: readers reject records of
    /// this station scored under another one.
    public func claim(frozenHash: String?) async throws {
        try fetchPublishBases()
        switch try ownerStatus(at: try repository.target(of: Self.trackingPrefix + branch)) {
        case .mine: return
        case .taken: throw FleetError.stationNameTaken(station: name, remote: remote.url)
        case .unclaimed: break
        }
        _ = try await push(fetchFirst: true) {
            let base = try repository.target(of: Self.trackingPrefix + branch)
            if try ownerStatus(at: base) == .taken { throw FleetError.stationNameTaken(station: name, remote: remote.url) }
            let station = try repository.commit(base: base, adding: [try claimFile(frozenHash: frozenHash)],
                                                message: "claim \(name)\n", author: name)
            return (station, nil)
        }
    }

    /// Whether this station's branch (as of the last fetch) already holds `recordID`.
    public func isPublished(_ recordID: String) throws -> Bool {
        try Self.validate(recordID, kind: "record id")
        guard let tip = try repository.target(of: Self.trackingPrefix + branch) else { return false }
        return try repository.blob(atPath: "records/\(name)/\(recordID).json", of: tip) != nil
    }

    /// Restores this station's kept records on the remote from `records` (its ledger), on top of whatever the
    /// remote now holds, after a peer rewrote or deleted the fleet's branches.
    ///
    /// For each of the two branches the new commit has the remote's tip and this station's last good view as
    /// parents, so every station whose view was one of them sees a fast-forward again. Its tree is the union of
    /// both, with this station's folders replaced by exactly `records` (kept ones only).
    @discardableResult
    public func republish(_ records: [ExperimentRecord]) async throws -> RepublishReceipt {
        let kept = records.filter { $0.decision == .keep }
        for record in kept { try checkOwn(record) }
        let frozenHash = kept.last?.frozenHash
        var files: [(path: String, contents: Data)] = []
        for record in kept { files += try Self.files(for: record, station: name) }
        let message = "republish \(kept.count) kept records of \(name) from its ledger\n"
        let (commits, _) = try await push(fetchFirst: true, adoptFetched: false) {
            let localStation = try repository.target(of: Self.trackingPrefix + branch)
            if try ownerStatus(at: localStation) == .taken {
                throw FleetError.stationNameTaken(station: name, remote: remote.url)
            }
            let claim = try claimFile(frozenHash: frozenHash)
            var built: [String] = []
            for branch in [branch, Self.resultsBranch] {
                let remoteTip = try repository.target(of: Self.fetchedPrefix + branch)
                let localTip = try repository.target(of: Self.trackingPrefix + branch)
                var parents = [remoteTip, localTip].compactMap { $0 }
                if let remoteTip, let localTip {
                    if try repository.contains(localTip, inHistoryOf: remoteTip) { parents = [remoteTip] }
                    else if try repository.contains(remoteTip, inHistoryOf: localTip) { parents = [localTip] }
                }
                var copying: [(path: String, id: GitObjectID)] = []
                if parents.count == 2, let localTip {
                    for folder in ["records", "recipes"] {
                        copying += try repository.entries(inTwoLevelFolder: folder, of: localTip)
                            .filter { $0.isRegularFile && $0.folder != nil && $0.folder != name }
                            .map { ($0.path, $0.id) }
                    }
                }
                built.append(try repository.commit(
                    parents: parents, treeOf: remoteTip ?? localTip,
                    removing: ["records/\(name)", "recipes/\(name)"], copying: copying,
                    adding: files + (branch == self.branch ? [claim] : []), message: message, author: name))
            }
            return (built[0], built[1])
        }
        rewrittenBranches.removeAll { $0 == branch || $0 == Self.resultsBranch }
        return RepublishReceipt(recordIDs: kept.map(\.id), stationCommit: commits.station,
                                resultsCommit: commits.results)
    }

    /// Pushes what `build` makes (a station commit and optionally a results commit) with bounded retries,
    /// serialised by the push lock on path remotes. Returns the pushed commits and the attempts it took.
    ///
    /// With `adoptFetched` false (republishing) the fetched tips are only staged, never adopted, so rewritten
    /// history does not stop the push.
    private func push(fetchFirst: Bool, adoptFetched: Bool = true,
                      build: () throws -> (station: String, results: String?)) async throws
        -> (commits: (station: String, results: String), attempts: Int)
    {
        var lastReason = ""
        for attempt in 1...retryPolicy.maxAttempts {
            // Path remotes: the first attempts build outside the push lock, so stations prepare in parallel
            // and only the push is serialised; after that a retry fetches and builds while holding the lock,
            // which cannot lose, so a station never starves.
            let underLock = remote.localPath != nil && attempt > Self.optimisticAttempts
            if (attempt > 1 || fetchFirst) && !underLock {
                if attempt > 1 && remote.localPath == nil {
                    try await Task.sleep(for: .seconds(retryPolicy.delaySeconds(afterFailedAttempt: attempt - 1)))
                }
                try fetchBases(adopting: adoptFetched)
            }
            var prepared = underLock ? nil : try build()
            var held: PushLock.Held?
            if let path = remote.localPath {
                held = try await PushLock(path: "\(path)/enpire-push.lock")
                    .acquire(timeoutSeconds: retryPolicy.lockTimeoutSeconds)
            }
            // No suspension point from here to the push: a second publish on this actor cannot interleave
            // and overwrite the outgoing refs.
            let outcome: GitRepository.PushOutcome
            let commits: (station: String, results: String?)
            do {
                if prepared == nil {
                    try fetchBases(adopting: adoptFetched)
                    prepared = try build()
                }
                guard let ready = prepared else {
                    throw FleetError.io(path: clonePath.path, reason: "no commits prepared")
                }
                commits = ready
                outcome = try pushOnce(station: ready.station, results: ready.results)
                held?.release()
            } catch {
                held?.release()
                throw error
            }
            switch outcome {
            case .pushed:
                try repository.setReference(Self.trackingPrefix + branch, to: commits.station)
                try repository.setReference("refs/heads/\(branch)", to: commits.station)
                if let results = commits.results {
                    try repository.setReference(Self.trackingPrefix + Self.resultsBranch, to: results)
                }
                let results = try commits.results ?? repository.target(of: Self.trackingPrefix + Self.resultsBranch)
                return ((commits.station, results ?? ""), attempt)
            case let .remoteMoved(reason):
                lastReason = reason
            }
        }
        throw FleetError.pushRetriesExhausted(station: name, attempts: retryPolicy.maxAttempts,
                                              lastReason: lastReason)
    }

    private func fetchBases(adopting: Bool) throws {
        if adopting {
            try fetchPublishBases()
        } else {
            try repository.fetch(refspecs: [branch, Self.resultsBranch].map {
                "+refs/heads/\($0):\(Self.fetchedPrefix)\($0)"
            })
        }
    }

    /// Fetches only the two branches a publish builds on; refuses to build on rewritten history.
    private func fetchPublishBases() throws {
        let rewritten = try fetchAndAdopt(refspecs: [branch, Self.resultsBranch])
        guard rewritten.isEmpty else { throw FleetError.historyRewritten(station: name, branches: rewritten) }
    }

    /// Builds the record's commits on the current tracking tips (objects only, no refs moved).
    ///
    /// The first attempt trusts the last sync; a stale base just costs one rejected push.
    private func buildCommits(files: [(path: String, contents: Data)], message: String, frozenHash: String?) throws
        -> (station: String, results: String?)
    {
        let stationBase = try repository.target(of: Self.trackingPrefix + branch)
        var stationFiles = files
        switch try ownerStatus(at: stationBase) {
        case .mine: break
        case .taken: throw FleetError.stationNameTaken(station: name, remote: remote.url)
        case .unclaimed: stationFiles.append(try claimFile(frozenHash: frozenHash))
        }
        let stationCommit = try repository.commit(base: stationBase, adding: stationFiles, message: message,
                                                  author: name)
        let resultsCommit = try repository.commit(
            base: try repository.target(of: Self.trackingPrefix + Self.resultsBranch),
            adding: files, message: message, author: name)
        return (stationCommit, resultsCommit)
    }

    /// Points the outgoing refs at the prepared commits and pushes them in one go.
    private func pushOnce(station: String, results: String?) throws -> GitRepository.PushOutcome {
        try repository.setReference("refs/enpire/outgoing/station", to: station)
        var refspecs = ["refs/enpire/outgoing/station:refs/heads/\(branch)"]
        if let results {
            try repository.setReference("refs/enpire/outgoing/results", to: results)
            refspecs.append("refs/enpire/outgoing/results:refs/heads/\(Self.resultsBranch)")
        }
        return try repository.push(refspecs: refspecs)
    }
}

/// What ``FleetStation/republish(_:)`` pushed.
public struct RepublishReceipt: Sendable, Equatable {
    /// Records now on the station's branch and the results branch.
    public var recordIDs: [String]
    /// New tip of `stations/<name>`.
    public var stationCommit: String
    /// New tip of `results`.
    public var resultsCommit: String
}
