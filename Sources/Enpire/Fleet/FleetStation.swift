public import Foundation

/// One station's view of the fleet: a local clone of the shared remote, its own branch `stations/<name>`,
/// and the shared `results` branch every station appends its kept results to.
///
/// A kept result is one commit adding `records/<station>/<id>.json` (the ledger record) and
/// `recipes/<station>/<id>.json` (the recipe), on both branches, pushed in one go. When another station
/// pushed first, the commits are rebuilt on the fetched tips and pushed again (bounded retries, jitter):
/// paths never collide, so the rebase is always clean and no record is lost. Git calls are synchronous and
/// run on the actor; they are short (tens of milliseconds on a path remote).
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
    static let trackingPrefix = "refs/remotes/origin/"
    static let optimisticAttempts = 3

    private let repository: GitRepository
    private var recordsByBlob: [String: ExperimentRecord] = [:]

    /// Opens or creates the station's clone at `clonePath`, points it at `remote` and fetches.
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
        try repository.setOrigin(url: remote.url)
        try sync()
    }

    /// The station's branch name.
    public nonisolated var branch: String { "stations/\(name)" }

    /// Fetches every `stations/*` branch and the `results` branch.
    public func sync() throws {
        try repository.fetch(refspecs: [
            "+refs/heads/stations/*:\(Self.trackingPrefix)stations/*",
            "+refs/heads/\(Self.resultsBranch):\(Self.trackingPrefix)\(Self.resultsBranch)",
        ])
    }

    /// Publishes a kept result (record plus its recipe) to this station's branch and the results branch.
    @discardableResult
    public func publish(_ record: ExperimentRecord) async throws -> PublishReceipt {
        guard record.decision == .keep else { throw FleetError.notKept(recordID: record.id) }
        try Self.validate(record.id, kind: "record id")
        let files = [
            (path: "records/\(name)/\(record.id).json", contents: try CanonicalJSON.encodePretty(record)),
            (path: "recipes/\(name)/\(record.id).json", contents: try CanonicalJSON.encodePretty(record.config)),
        ]
        let message = "keep \(record.id) on \(name): \(record.results.successes)/\(record.results.trials) "
            + "\(record.task)\n\n\(record.hypothesis)\n"
        let stationTracking = Self.trackingPrefix + branch
        let resultsTracking = Self.trackingPrefix + Self.resultsBranch
        var lastReason = ""
        for attempt in 1...retryPolicy.maxAttempts {
            // Path remotes: the first attempts build outside the push lock, so stations prepare in parallel
            // and only the push is serialised; after that a retry fetches and builds while holding the lock,
            // which cannot lose, so a station never starves.
            let underLock = remote.localPath != nil && attempt > Self.optimisticAttempts
            if attempt > 1 && !underLock {
                if remote.localPath == nil {
                    try await Task.sleep(for: .seconds(retryPolicy.delaySeconds(afterFailedAttempt: attempt - 1)))
                }
                try fetchPublishBases()
            }
            var prepared = underLock ? nil : try buildCommits(files: files, message: message)
            var held: PushLock.Held?
            if let path = remote.localPath {
                held = try await PushLock(path: "\(path)/enpire-push.lock")
                    .acquire(timeoutSeconds: retryPolicy.lockTimeoutSeconds)
            }
            // No suspension point from here to the push: a second publish on this actor cannot interleave
            // and overwrite the outgoing refs.
            let attemptResult: (outcome: GitRepository.PushOutcome, station: String, results: String)
            do {
                if prepared == nil {
                    try fetchPublishBases()
                    prepared = try buildCommits(files: files, message: message)
                }
                attemptResult = try pushOnce(prepared)
                held?.release()
            } catch {
                held?.release()
                throw error
            }
            let (outcome, stationCommit, resultsCommit) = attemptResult
            switch outcome {
            case .pushed:
                try repository.setReference(stationTracking, to: stationCommit)
                try repository.setReference(resultsTracking, to: resultsCommit)
                try repository.setReference("refs/heads/\(branch)", to: stationCommit)
                return PublishReceipt(recordID: record.id, stationCommit: stationCommit,
                                      resultsCommit: resultsCommit, attempts: attempt)
            case let .remoteMoved(reason):
                lastReason = reason
            }
        }
        throw FleetError.pushRetriesExhausted(station: name, attempts: retryPolicy.maxAttempts,
                                              lastReason: lastReason)
    }

    /// Fetches only the two branches a publish builds on.
    private func fetchPublishBases() throws {
        try repository.fetch(refspecs: [
            "+refs/heads/\(branch):\(Self.trackingPrefix)\(branch)",
            "+refs/heads/\(Self.resultsBranch):\(Self.trackingPrefix)\(Self.resultsBranch)",
        ])
    }

    /// Builds the record's commits on the current tracking tips (objects only, no refs moved).
    ///
    /// The first attempt trusts the last sync; a stale base just costs one rejected push.
    private func buildCommits(files: [(path: String, contents: Data)], message: String) throws
        -> (station: String, results: String)
    {
        let stationCommit = try repository.commit(base: try repository.target(of: Self.trackingPrefix + branch),
                                                  adding: files, message: message, author: name)
        let resultsCommit = try repository.commit(
            base: try repository.target(of: Self.trackingPrefix + Self.resultsBranch),
            adding: files, message: message, author: name)
        return (stationCommit, resultsCommit)
    }

    /// Points the outgoing refs at the prepared commits and pushes both branches in one go.
    private func pushOnce(_ prepared: (station: String, results: String)?) throws
        -> (outcome: GitRepository.PushOutcome, station: String, results: String)
    {
        guard let prepared else { throw FleetError.io(path: clonePath.path, reason: "no commits prepared") }
        try repository.setReference("refs/enpire/outgoing/station", to: prepared.station)
        try repository.setReference("refs/enpire/outgoing/results", to: prepared.results)
        let outcome = try repository.push(refspecs: [
            "refs/enpire/outgoing/station:refs/heads/\(branch)",
            "refs/enpire/outgoing/results:refs/heads/\(Self.resultsBranch)",
        ])
        return (outcome, prepared.station, prepared.results)
    }

    /// Every kept result the station knows of (as of its last sync), deduplicated by id, best first.
    ///
    /// Reads the `results` branch and every `stations/*` branch, so a record is visible as soon as either
    /// carries it.
    public func keptResults(task: String? = nil) throws -> [ExperimentRecord] {
        var tips = try repository.references(matching: Self.trackingPrefix + "stations/*")
        tips.append(Self.trackingPrefix + Self.resultsBranch)
        var byID: [String: ExperimentRecord] = [:]
        var seenCommits = Set<String>()
        for reference in tips {
            guard let commit = try repository.target(of: reference), seenCommits.insert(commit).inserted else {
                continue
            }
            for blob in try repository.blobs(inTwoLevelFolder: "records", of: commit) {
                let record = try decodeRecord(blob: blob.id, path: blob.path)
                byID[record.id] = record
            }
        }
        return byID.values
            .filter { $0.decision == .keep && (task == nil || $0.task == task) }
            .sorted(by: ExperimentRecord.isBetter)
    }

    /// The best kept result for `task` across the fleet, whose `config` is the recipe to adopt.
    public func bestRecipe(task: String) throws -> ExperimentRecord? {
        try keptResults(task: task).first
    }

    private func decodeRecord(blob: String, path: String) throws -> ExperimentRecord {
        if let cached = recordsByBlob[blob] { return cached }
        do {
            let record = try JSONDecoder().decode(ExperimentRecord.self, from: try repository.blobContents(blob))
            recordsByBlob[blob] = record
            return record
        } catch let error as FleetError {
            throw error
        } catch {
            throw FleetError.io(path: path, reason: "not a valid experiment record: \(error)")
        }
    }

    static func validate(_ value: String, kind: String) throws {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
        guard !value.isEmpty, value.count <= 100, !value.hasPrefix("."), !value.hasSuffix(".lock"),
              !value.contains(".."), value.allSatisfy({ allowed.contains($0) })
        else {
            throw FleetError.invalidName(kind: kind, value: value)
        }
    }
}
