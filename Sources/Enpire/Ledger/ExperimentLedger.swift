public import Foundation

/// The experiment ledger: one JSON line per iteration, appended and flushed, plus a Markdown results table
/// regenerated from it.
///
/// Several processes may append to one ledger at once (parallel `enpire keep`/`revert`): every append takes an
/// exclusive `flock` on the file, writes its line with `O_APPEND` and `fsync`s before it returns, so an
/// acknowledged record is on disk and no append overwrites another. Reading (opening the ledger, `status`,
/// `ledger`) takes a shared lock and never writes.
///
/// A torn tail (the last line without its newline, left by a crash mid-append) is reported in ``tornTail``
/// and left in place by readers. If it decodes as a complete record it is a record (only its newline is
/// missing): readers include it and the next append completes the line. Otherwise the next append moves the
/// torn bytes to a side file (``tornTailFileURL``, `<ledger>.torn`) before writing, so nothing is deleted.
/// Any other undecodable line is an error, never skipped silently.
public actor ExperimentLedger {
    /// The JSONL file.
    public nonisolated let fileURL: URL
    /// The Markdown table written next to it (`results.md` by default).
    public nonisolated let tableURL: URL
    /// Where torn tails are moved by appends (`<ledger file>.torn`, appended to, never overwritten).
    public nonisolated var tornTailFileURL: URL { fileURL.appendingPathExtension("torn") }
    /// The unterminated last line found by the last read, if it is not a complete record (the next append
    /// moves it to ``tornTailFileURL``).
    public private(set) var tornTail: String?
    /// Torn tails the appends of this instance moved to ``tornTailFileURL``.
    public private(set) var movedTornTails: [String] = []
    private var records: [ExperimentRecord]

    /// Opens the ledger at `fileURL` for reading and appending. Opening only reads (under a shared lock).
    ///
    /// A missing file is an error (``LedgerError/missing(path:)``) unless `createIfMissing` is set, which
    /// creates an empty ledger (use it only where a new ledger is meant to start, as `init` of a workspace).
    public init(fileURL: URL, tableURL: URL? = nil, createIfMissing: Bool = false) throws {
        self.fileURL = fileURL
        self.tableURL = tableURL ?? fileURL.deletingLastPathComponent().appendingPathComponent("results.md")
        if createIfMissing, !FileManager.default.fileExists(atPath: fileURL.path) {
            do {
                try FileManager.default.createDirectory(at: fileURL.deletingLastPathComponent(),
                                                        withIntermediateDirectories: true)
            } catch {
                throw LedgerError.io(path: fileURL.path, reason: "cannot create folder: \(error)")
            }
            // O_EXCL: if another process created it meanwhile, theirs is kept.
            let fd = open(fileURL.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
            if fd >= 0 {
                fsync(fd)
                close(fd)
            } else if errno != EEXIST {
                throw LedgerError.io(path: fileURL.path, reason: "cannot create file: \(String(cString: strerror(errno)))")
            }
        }
        let loaded = try Self.load(fileURL)
        records = loaded.records
        tornTail = loaded.torn
    }

    /// Reads every record from a ledger file without modifying it (a torn tail that is not a record is left out).
    public static func readRecords(at fileURL: URL) throws -> [ExperimentRecord] {
        try load(fileURL).records
    }

    /// Re-reads the file (records other processes appended since this ledger was opened).
    public func reload() throws {
        let loaded = try Self.load(fileURL)
        records = loaded.records
        tornTail = loaded.torn
    }

    /// All records, oldest first.
    public func allRecords() -> [ExperimentRecord] { records }

    /// Appends a record under an exclusive lock (`O_APPEND`, then `fsync`) and regenerates the Markdown table from
    /// the whole file. A torn tail found under the lock is completed (when it is a record) or moved to
    /// ``tornTailFileURL`` first. When this returns, the record is on disk.
    public func append(_ record: ExperimentRecord) throws {
        var line = try CanonicalJSON.encode(record)
        line.append(0x0a)
        let path = fileURL.path
        // No O_CREAT: a ledger deleted since it was opened is an error, not a new empty file.
        let fd = open(path, O_RDWR | O_APPEND | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT { throw LedgerError.missing(path: path) }
            throw LedgerError.io(path: path, reason: "cannot open for appending: \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        try Self.lock(fd, LOCK_EX, path: path)
        defer { flock(fd, LOCK_UN) }
        if let moved = try repairTail(fd) { movedTornTails.append(moved) }
        try Self.writeAll(fd, line, path: path, what: "record \(record.id)")
        guard fsync(fd) == 0 else {
            throw LedgerError.io(path: path, reason: "cannot flush record \(record.id): \(String(cString: strerror(errno)))")
        }
        // Still under the lock: the table reflects every process's records, and table writes do not interleave.
        let loaded = try Self.load(Self.readAll(fd, path: path), path: path)
        records = loaded.records
        tornTail = loaded.torn
        try writeTable()
    }

    /// Under the exclusive lock: if the file does not end with a newline, completes a tail that is a record, or
    /// moves a torn tail to the side file and cuts it off. Returns the moved tail.
    private func repairTail(_ fd: Int32) throws -> String? {
        let path = fileURL.path
        let data = try Self.readAll(fd, path: path)
        guard let last = data.last, last != 0x0a else { return nil }
        let cut = (data.lastIndex(of: 0x0a).map { $0 + 1 } ?? data.startIndex)
        let tail = data[cut...]
        if (try? JSONDecoder().decode(ExperimentRecord.self, from: tail)) != nil {
            try Self.writeAll(fd, Data([0x0a]), path: path, what: "the newline of the last record")
            return nil
        }
        let side = open(tornTailFileURL.path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard side >= 0 else {
            throw LedgerError.io(path: tornTailFileURL.path,
                                 reason: "cannot keep the torn tail aside: \(String(cString: strerror(errno)))")
        }
        defer { close(side) }
        var kept = Data(tail)
        kept.append(0x0a)
        try Self.writeAll(side, kept, path: tornTailFileURL.path, what: "the torn tail")
        guard fsync(side) == 0, ftruncate(fd, off_t(cut - data.startIndex)) == 0, fsync(fd) == 0 else {
            throw LedgerError.io(path: path, reason: "cannot cut the torn tail (kept in \(tornTailFileURL.path)): "
                                 + String(cString: strerror(errno)))
        }
        return String(decoding: tail, as: UTF8.self)
    }

    private static func lock(_ fd: Int32, _ operation: Int32, path: String) throws {
        while flock(fd, operation) != 0 {
            guard errno == EINTR else {
                throw LedgerError.io(path: path, reason: "cannot lock: \(String(cString: strerror(errno)))")
            }
        }
    }

    private static func writeAll(_ fd: Int32, _ data: Data, path: String, what: String) throws {
        try data.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) in
            guard let base = buffer.baseAddress else { return }
            var offset = 0
            while offset < buffer.count {
                let written = write(fd, base + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw LedgerError.io(path: path, reason: "cannot write \(what): \(String(cString: strerror(errno)))")
                }
                offset += written
            }
        }
    }

    private static func readAll(_ fd: Int32, path: String) throws -> Data {
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        var offset: off_t = 0
        while true {
            let count = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, offset) }
            if count < 0 {
                if errno == EINTR { continue }
                throw LedgerError.io(path: path, reason: "cannot read: \(String(cString: strerror(errno)))")
            }
            if count == 0 { return data }
            data.append(contentsOf: buffer[0..<count])
            offset += off_t(count)
        }
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
    /// Records of code trials (a ``ExperimentRecord/commit``) add a `commits` column: parent and trial commit,
    /// 12 characters each.
    public static func markdownTable(_ records: [ExperimentRecord]) -> String {
        let commits = records.contains { $0.commit != nil }
        var text = "# Experiment ledger\n\n"
        text += "| # | id | station | task | decision | successes/trials | rate | Wilson 95% | robot s | wall s "
            + "| tokens | hypothesis |" + (commits ? " commits |\n" : "\n")
        text += "|---|---|---|---|---|---|---|---|---|---|---|---|" + (commits ? "---|\n" : "\n")
        for (index, record) in records.enumerated() {
            let results = record.results
            var cells = [
                "\(index + 1)", record.id, record.station, record.task, record.decision.rawValue,
                "\(results.successes)/\(results.trials)", format(results.rate),
                "[\(format(results.wilsonLower)), \(format(results.wilsonUpper))]",
                format(record.robotTimeSeconds, digits: 1), format(record.wallTimeSeconds, digits: 1),
                "\(record.tokens)", record.hypothesis,
            ]
            if commits {
                cells.append("\(record.parentCommit.map { String($0.prefix(12)) } ?? "-") -> "
                             + "\(record.commit.map { String($0.prefix(12)) } ?? "-")")
            }
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

    private static func load(_ fileURL: URL) throws -> (records: [ExperimentRecord], torn: String?) {
        let path = fileURL.path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT { throw LedgerError.missing(path: path) }
            throw LedgerError.io(path: path, reason: "cannot read: \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        // A shared lock: no append is half-way through while this reads.
        try lock(fd, LOCK_SH, path: path)
        defer { flock(fd, LOCK_UN) }
        return try load(readAll(fd, path: path), path: path)
    }

    private static func load(_ data: Data, path: String) throws -> (records: [ExperimentRecord], torn: String?) {
        let decoder = JSONDecoder()
        var records: [ExperimentRecord] = []
        var start = data.startIndex
        var lineNumber = 0
        while start < data.endIndex {
            lineNumber += 1
            guard let newline = data[start...].firstIndex(of: 0x0a) else {
                // No terminating newline: a crash mid-append, or a complete record whose newline is missing.
                let tail = data[start...]
                if let record = try? decoder.decode(ExperimentRecord.self, from: tail) {
                    records.append(record)
                    return (records, nil)
                }
                return (records, String(decoding: tail, as: UTF8.self))
            }
            let line = data[start..<newline]
            start = newline + 1
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x0d || $0 == 0x09 }) { continue }
            do {
                records.append(try decoder.decode(ExperimentRecord.self, from: line))
            } catch {
                throw LedgerError.corruptLine(path: path, lineNumber: lineNumber, reason: "\(error)")
            }
        }
        return (records, nil)
    }
}
