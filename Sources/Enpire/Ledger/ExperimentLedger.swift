public import Foundation

/// The experiment ledger: one JSON line per iteration, appended and flushed, plus a Markdown results table
/// regenerated from it.
///
/// Opening tolerates a crash mid-append: an unterminated last line is dropped (and reported in
/// ``discardedTornLine``) and the file is truncated back to its last complete record so later appends
/// stay well-formed. Any other undecodable line is an error, never skipped silently.
public actor ExperimentLedger {
    /// The JSONL file.
    public nonisolated let fileURL: URL
    /// The Markdown table written next to it (`results.md` by default).
    public nonisolated let tableURL: URL
    /// The torn last line found when opening, if there was one.
    public private(set) var discardedTornLine: String?
    private var records: [ExperimentRecord]

    /// Opens (or creates) the ledger at `fileURL`.
    public init(fileURL: URL, tableURL: URL? = nil) throws {
        self.fileURL = fileURL
        self.tableURL = tableURL ?? fileURL.deletingLastPathComponent().appendingPathComponent("results.md")
        let manager = FileManager.default
        if !manager.fileExists(atPath: fileURL.path) {
            do {
                try manager.createDirectory(at: fileURL.deletingLastPathComponent(), withIntermediateDirectories: true)
            } catch {
                throw LedgerError.io(path: fileURL.path, reason: "cannot create folder: \(error)")
            }
            guard manager.createFile(atPath: fileURL.path, contents: Data()) else {
                throw LedgerError.io(path: fileURL.path, reason: "cannot create file")
            }
        }
        let loaded = try Self.load(fileURL)
        records = loaded.records
        discardedTornLine = loaded.torn
        if let keepBytes = loaded.truncateTo {
            do {
                let handle = try FileHandle(forWritingTo: fileURL)
                defer { try? handle.close() }
                try handle.truncate(atOffset: UInt64(keepBytes))
                try handle.synchronize()
            } catch {
                throw LedgerError.io(path: fileURL.path, reason: "cannot truncate torn last line: \(error)")
            }
        }
    }

    /// Reads every complete record from a ledger file without modifying it.
    public static func readRecords(at fileURL: URL) throws -> [ExperimentRecord] {
        try load(fileURL).records
    }

    /// All records, oldest first.
    public func allRecords() -> [ExperimentRecord] { records }

    /// Appends a record, flushes it to disk, then regenerates the Markdown table.
    public func append(_ record: ExperimentRecord) throws {
        var line = try CanonicalJSON.encode(record)
        line.append(0x0a)
        do {
            let handle = try FileHandle(forWritingTo: fileURL)
            defer { try? handle.close() }
            try handle.seekToEnd()
            try handle.write(contentsOf: line)
            try handle.synchronize()
        } catch {
            throw LedgerError.io(path: fileURL.path, reason: "cannot append record \(record.id): \(error)")
        }
        records.append(record)
        try writeTable()
    }

    /// The best kept record (see ``ExperimentRecord/isBetter(_:than:)``), optionally for one task.
    public func bestKept(task: String? = nil) -> ExperimentRecord? {
        records.filter { $0.decision == .keep && (task == nil || $0.task == task) }
            .min(by: ExperimentRecord.isBetter)
    }

    /// Every record a station wrote, oldest first.
    public func history(station: String) -> [ExperimentRecord] {
        records.filter { $0.station == station }
    }

    /// Rewrites the Markdown table from the records (atomically).
    public func writeTable() throws {
        do {
            try Data(Self.markdownTable(records).utf8).write(to: tableURL, options: .atomic)
        } catch {
            throw LedgerError.io(path: tableURL.path, reason: "cannot write results table: \(error)")
        }
    }

    /// Renders records as a Markdown table a person can read.
    public static func markdownTable(_ records: [ExperimentRecord]) -> String {
        var text = "# Experiment ledger\n\n"
        text += "| # | id | station | task | decision | successes/trials | rate | Wilson 95% | robot s | wall s "
            + "| tokens | hypothesis |\n"
        text += "|---|---|---|---|---|---|---|---|---|---|---|---|\n"
        for (index, record) in records.enumerated() {
            let results = record.results
            let cells = [
                "\(index + 1)", record.id, record.station, record.task, record.decision.rawValue,
                "\(results.successes)/\(results.trials)", format(results.rate),
                "[\(format(results.wilsonLower)), \(format(results.wilsonUpper))]",
                format(record.robotTimeSeconds, digits: 1), format(record.wallTimeSeconds, digits: 1),
                "\(record.tokens)", record.hypothesis,
            ]
            text += "| " + cells.map(escapeCell).joined(separator: " | ") + " |\n"
        }
        return text
    }

    private static func format(_ value: Double, digits: Int = 3) -> String {
        String(format: "%.\(digits)f", value)
    }

    private static func escapeCell(_ text: String) -> String {
        text.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")
    }

    private static func load(_ fileURL: URL) throws -> (records: [ExperimentRecord], torn: String?, truncateTo: Int?) {
        let data: Data
        do {
            data = try Data(contentsOf: fileURL)
        } catch {
            throw LedgerError.io(path: fileURL.path, reason: "cannot read: \(error)")
        }
        let decoder = JSONDecoder()
        var records: [ExperimentRecord] = []
        var start = data.startIndex
        var lineNumber = 0
        while start < data.endIndex {
            lineNumber += 1
            guard let newline = data[start...].firstIndex(of: 0x0a) else {
                // No terminating newline: the process died mid-append. The record was never acknowledged.
                let torn = String(decoding: data[start...], as: UTF8.self)
                return (records, torn, start - data.startIndex)
            }
            let line = data[start..<newline]
            start = newline + 1
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x0d || $0 == 0x09 }) { continue }
            do {
                records.append(try decoder.decode(ExperimentRecord.self, from: line))
            } catch {
                throw LedgerError.corruptLine(path: fileURL.path, lineNumber: lineNumber, reason: "\(error)")
            }
        }
        return (records, nil, nil)
    }
}
