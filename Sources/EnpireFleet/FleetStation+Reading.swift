public import Enpire
import Foundation

extension FleetStation {
    // Reading the fleet: validated views of every station's kept results.

    /// Every kept result the station knows of (as of its last sync) that passes validation, deduplicated,
    /// best first (`ExperimentRecord.isBetter(_:than:)`). Invalid files are skipped; see
    /// ``view(task:frozenHash:)`` for the list.
    public func keptResults(task: String? = nil) throws -> [ExperimentRecord] {
        try view(task: task).records
    }

    /// The best kept result for `task` across the fleet, whose `config` is the recipe to adopt.
    public func bestRecipe(task: String) throws -> ExperimentRecord? {
        try keptResults(task: task).first
    }

    /// The validated fleet as of the last sync: kept records best first, and every file that was skipped.
    ///
    /// A file under `records/` is used only when it is a regular file of at most ``maxRecordBytes``, decodes
    /// as an `ExperimentRecord` at `records/<station>/<id>.json` with `station` equal to the folder, id and
    /// station made of letters, digits, `.`, `_`, `-`, a kept decision, counts and rates that agree, finite
    /// non-negative times, and a frozen hash equal to `frozenHash` when given, else to the one its station
    /// declared when it claimed its name. Station branches are read before `results`; the same record with
    /// other contents on a second branch is skipped as a conflict.
    public func view(task: String? = nil, frozenHash: String? = nil) throws -> FleetView {
        var tips = try repository.references(matching: Self.trackingPrefix + "stations/*")
        tips.append(Self.trackingPrefix + Self.resultsBranch)
        var claims: [String: StationClaim] = [:]
        var accepted: [String: (record: ExperimentRecord, blob: String)] = [:]
        var rejected: [RejectedRecord] = []
        var seenCommits = Set<String>()
        for reference in tips {
            guard let commit = try repository.target(of: reference) else { continue }
            let branch = String(reference.dropFirst(Self.trackingPrefix.count))
            if branch.hasPrefix("stations/") {
                let station = String(branch.dropFirst("stations/".count))
                if let blob = try repository.blob(atPath: "owners/\(station).json", of: commit),
                   try repository.blobSize(blob) <= Self.maxRecordBytes,
                   let claim = try? JSONDecoder().decode(StationClaim.self, from: repository.blobContents(blob)),
                   claim.station == station {
                    claims[station] = claim
                }
            }
            guard seenCommits.insert(commit).inserted else { continue }
            for entry in try repository.entries(inTwoLevelFolder: "records", of: commit) {
                let reject = { (reason: String) in
                    rejected.append(RejectedRecord(branch: branch, path: entry.path, reason: reason))
                }
                do {
                    let record = try check(entry, expectedFrozenHash: frozenHash, claims: claims)
                    let key = "\(record.station)/\(record.id)"
                    if let earlier = accepted[key] {
                        if earlier.blob != entry.id { reject("conflicts with the copy on another branch") }
                        continue
                    }
                    accepted[key] = (record, entry.id)
                } catch let error as RecordProblem {
                    reject(error.reason)
                }
            }
        }
        let records = accepted.values.map(\.record)
            .filter { task == nil || $0.task == task }
            .sorted(by: ExperimentRecord.isBetter)
        return FleetView(records: records, rejected: rejected)
    }

    struct RecordProblem: Error {
        var reason: String
    }

    func check(_ entry: GitRepository.TreeEntry, expectedFrozenHash: String?,
                       claims: [String: StationClaim]) throws -> ExperimentRecord {
        guard let folder = entry.folder else { throw RecordProblem(reason: "not inside a station folder") }
        guard entry.isRegularFile else { throw RecordProblem(reason: "not a regular file (symlink, submodule or folder)") }
        guard entry.name.hasSuffix(".json") else { throw RecordProblem(reason: "not a .json file") }
        let size: Int
        do { size = try repository.blobSize(entry.id) } catch { throw RecordProblem(reason: "unreadable: \(error)") }
        guard size <= Self.maxRecordBytes else {
            throw RecordProblem(reason: "\(size) bytes, more than the limit of \(Self.maxRecordBytes)")
        }
        let record: ExperimentRecord
        if let cached = decodedByBlob[entry.id] {
            record = cached
        } else {
            do {
                record = try JSONDecoder().decode(ExperimentRecord.self, from: try repository.blobContents(entry.id))
            } catch {
                throw RecordProblem(reason: "not a valid experiment record (\(Self.shortReason(error)))")
            }
            decodedByBlob[entry.id] = record
        }
        if let problem = Self.problems(with: record).first { throw RecordProblem(reason: problem) }
        guard record.station == folder else {
            throw RecordProblem(reason: "station \"\(record.station)\" does not match its folder \"\(folder)\"")
        }
        guard entry.name == "\(record.id).json" else {
            throw RecordProblem(reason: "id \"\(record.id)\" does not match its file name")
        }
        if let expected = expectedFrozenHash ?? claims[folder]?.frozenHash, record.frozenHash != expected {
            throw RecordProblem(reason: "frozen hash \(record.frozenHash.prefix(12)) is not the expected "
                                + "\(expected.prefix(12)) (scored under other criteria)")
        }
        return record
    }

    /// What is wrong with a record as a fleet record (empty when it is fine): names usable in paths, a kept
    /// decision, counts and derived rates that agree, finite non-negative times and tokens.
    public static func problems(with record: ExperimentRecord) -> [String] {
        var problems: [String] = []
        for (value, kind) in [(record.id, "record id"), (record.station, "station name")] {
            do { try validate(value, kind: kind) } catch { problems.append("\(error)") }
        }
        if record.decision != .keep { problems.append("decision is \(record.decision.rawValue), not keep") }
        let results = record.results
        if let recomputed = try? TrialResults(successes: results.successes, trials: results.trials,
                                              meanStepsToSuccess: results.meanStepsToSuccess) {
            let close = { (a: Double, b: Double) in abs(a - b) <= 1e-9 }
            if results.trials < 1 || !close(recomputed.rate, results.rate)
                || !close(recomputed.wilsonLower, results.wilsonLower)
                || !close(recomputed.wilsonUpper, results.wilsonUpper)
                || recomputed.meanStepsToSuccess != results.meanStepsToSuccess {
                problems.append("results \(results.successes)/\(results.trials) do not match their rate or interval")
            }
        } else {
            problems.append("impossible results \(results.successes)/\(results.trials)")
        }
        let times = [record.wallTimeSeconds, record.robotTimeSeconds, record.startedAtUnixSeconds,
                     record.finishedAtUnixSeconds]
        if !times.allSatisfy({ $0.isFinite && $0 >= 0 }) || record.tokens < 0 {
            problems.append("negative or non-finite times or tokens")
        }
        return problems
    }

    private static func shortReason(_ error: any Error) -> String {
        if let decoding = error as? DecodingError {
            switch decoding {
            case let .dataCorrupted(context): return context.debugDescription
            case let .keyNotFound(key, _): return "missing \(key.stringValue)"
            case let .typeMismatch(_, context), let .valueNotFound(_, context):
                return "bad \(context.codingPath.map(\.stringValue).joined(separator: "."))"
            @unknown default: return "\(decoding)"
            }
        }
        return "\(error)"
    }
}

/// A file under `records/` that a station skipped, and why.
public struct RejectedRecord: Sendable, Equatable, Codable, CustomStringConvertible {
    /// Branch it was found on (`results` or `stations/<name>`).
    public var branch: String
    /// Path in the branch's tree.
    public var path: String
    /// Why it was skipped.
    public var reason: String

    /// A skipped file or record.
    public init(branch: String, path: String, reason: String) {
        self.branch = branch
        self.path = path
        self.reason = reason
    }

    /// One line: where and why.
    public var description: String { "\(branch):\(path): \(reason)" }
}

/// The validated fleet: kept records best first, and the files skipped.
public struct FleetView: Sendable {
    /// Valid kept records, best first.
    public var records: [ExperimentRecord]
    /// Files skipped, with the reason.
    public var rejected: [RejectedRecord]
}
