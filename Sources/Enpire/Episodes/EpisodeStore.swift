public import Foundation

/// Why the episode store could not read or write.
public enum EpisodeStoreError: Error, CustomStringConvertible {
    /// A file could not be created or written.
    case writeFailed(path: String, reason: String)
    /// An episode does not exist.
    case noSuchEpisode(String)
    /// A file is unreadable or malformed beyond a torn final line.
    case corrupt(path: String, reason: String)
    /// The episode was already finished.
    case alreadyFinished(String)

    /// A message a user can act on.
    public var description: String {
        switch self {
        case .writeFailed(let path, let reason): return "cannot write \(path): \(reason) (disk full or no permission?)"
        case .noSuchEpisode(let id): return "no episode '\(id)' in the store; list them with episodeIDs()"
        case .corrupt(let path, let reason): return "\(path) is corrupt: \(reason)"
        case .alreadyFinished(let id): return "episode \(id) is already sealed; start a new one"
        }
    }
}

/// Crash-safe on-disk episodes: one folder per episode with `metadata.json` (written at the start),
/// `steps.jsonl` (one line per step, handed to the kernel as each step ends), one `<camera>.mjpeg` stream plus
/// `<camera>.index.jsonl` per camera, and `episode.json` written last by atomic rename.
///
/// A process killed mid-episode loses no step that was appended: reopening the store and calling
/// ``recoverIncomplete()`` seals such episodes as ``EpisodeStatus/incomplete`` from their flushed steps
/// (dropping only a torn final line). The format is described in Docs/Formats.md.
public final class EpisodeStore: EpisodeRecorder {
    /// The store's folder.
    public let root: URL
    /// JPEG quality for frames that arrive as pixels only.
    public let jpegQuality: Int
    /// Whether every step is also `fsync`ed (survives power loss, not only process death; slower).
    public let syncToDisk: Bool

    /// Opens (creating if needed) a store at `root`.
    public init(root: URL, jpegQuality: Int = 85, syncToDisk: Bool = false) throws {
        guard (1...100).contains(jpegQuality) else {
            throw EpisodeStoreError.writeFailed(path: root.path, reason: "JPEG quality must be 1...100, got \(jpegQuality)")
        }
        try EpisodeStore.createFolder(root)
        self.root = root
        self.jpegQuality = jpegQuality
        self.syncToDisk = syncToDisk
    }

    /// Starts an episode folder and returns its writer.
    public func begin(_ metadata: EpisodeMetadata) async throws -> any EpisodeRecording {
        try EpisodeWriter(folder: root.appendingPathComponent(Self.folderName(metadata.id)), metadata: metadata,
                          jpegQuality: jpegQuality, syncToDisk: syncToDisk)
    }

    /// Identifiers of every episode in the store, oldest first.
    public func episodeIDs() throws -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
        return names.filter {
            FileManager.default.fileExists(atPath: root.appendingPathComponent($0).appendingPathComponent("metadata.json").path)
        }.compactMap { try? readMetadata(folder: root.appendingPathComponent($0)) }
            .sorted { ($0.startedAtUnixSeconds, $0.id) < ($1.startedAtUnixSeconds, $1.id) }.map(\.id)
    }

    /// Seals every unsealed episode as incomplete from its flushed steps; returns their identifiers.
    @discardableResult
    public func recoverIncomplete() throws -> [String] {
        var recovered: [String] = []
        for id in try episodeIDs() {
            let folder = root.appendingPathComponent(Self.folderName(id))
            let summaryURL = folder.appendingPathComponent("episode.json")
            if FileManager.default.fileExists(atPath: summaryURL.path) { continue }
            let metadata = try readMetadata(folder: folder)
            let steps = try Self.readSteps(folder.appendingPathComponent("steps.jsonl"), repairTornTail: true)
            let summary = EpisodeSummary(
                metadata: metadata, status: .incomplete, stepCount: steps.count,
                durationSeconds: steps.last.map { $0.timeSeconds + 1 / (metadata.arms.map(\.controlRateHz).min() ?? 1) } ?? 0,
                verdict: nil, reset: nil, reason: "recovered after the recording process stopped without sealing")
            try Self.writeAtomically(try JSONEncoder().encode(summary), to: summaryURL)
            recovered.append(id)
        }
        return recovered
    }

    /// Reads one episode: summary (or, if unsealed, a provisional incomplete one) and every flushed step.
    public func load(_ id: String) throws -> RecordedEpisode {
        let folder = root.appendingPathComponent(Self.folderName(id))
        guard FileManager.default.fileExists(atPath: folder.appendingPathComponent("metadata.json").path) else {
            throw EpisodeStoreError.noSuchEpisode(id)
        }
        let steps = try Self.readSteps(folder.appendingPathComponent("steps.jsonl"), repairTornTail: false)
        let summaryURL = folder.appendingPathComponent("episode.json")
        let summary: EpisodeSummary
        if let data = try? Data(contentsOf: summaryURL) {
            do { summary = try JSONDecoder().decode(EpisodeSummary.self, from: data) } catch {
                throw EpisodeStoreError.corrupt(path: summaryURL.path, reason: ErrorMessage.oneLine(error))
            }
        } else {
            summary = EpisodeSummary(metadata: try readMetadata(folder: folder), status: .incomplete,
                                     stepCount: steps.count, durationSeconds: steps.last?.timeSeconds ?? 0,
                                     reason: "not sealed (still recording, or call recoverIncomplete())")
        }
        return RecordedEpisode(summary: summary, steps: steps)
    }

    /// Every episode in the store.
    public func loadAll() throws -> [RecordedEpisode] {
        try episodeIDs().map(load)
    }

    /// One recorded camera frame.
    public struct StoredFrame: Sendable, Equatable {
        /// Step the frame belongs to.
        public var stepIndex: Int
        /// Capture time on the station clock.
        public var timestampSeconds: Double
        /// The JPEG bytes.
        public var jpeg: [UInt8]
    }

    /// The frames of one camera in one episode (frames whose bytes were not fully written are left out).
    public func frames(episode id: String, camera: String) throws -> [StoredFrame] {
        let (stream, index) = cameraFiles(episode: id, camera: camera)
        guard let bytes = try? Data(contentsOf: stream), let lines = try? Data(contentsOf: index) else {
            throw EpisodeStoreError.noSuchEpisode("\(id) camera \(camera)")
        }
        var frames: [StoredFrame] = []
        for line in lines.split(separator: UInt8(ascii: "\n")) {
            guard let entry = FrameIndexEntry(line: line, streamSize: bytes.count) else { continue }
            frames.append(StoredFrame(stepIndex: entry.step, timestampSeconds: entry.time,
                                      jpeg: [UInt8](bytes[entry.offset..<(entry.offset + entry.length)])))
        }
        return frames
    }

    /// The last fully written frame of one camera in one episode, reading only the index and that frame's bytes
    /// (``frames(episode:camera:)`` reads the camera's whole stream); `nil` when the camera has no complete frame.
    public func lastFrame(episode id: String, camera: String) throws -> StoredFrame? {
        let (stream, index) = cameraFiles(episode: id, camera: camera)
        guard let lines = try? SafeFile.read(index, limit: Self.maximumIndexBytes),
              let handle = try? FileHandle(forReadingFrom: stream) else {
            throw EpisodeStoreError.noSuchEpisode("\(id) camera \(camera)")
        }
        defer { try? handle.close() }
        let size = Int((try? handle.seekToEnd()) ?? 0)
        for line in lines.split(separator: UInt8(ascii: "\n")).reversed() {
            guard let entry = FrameIndexEntry(line: line, streamSize: size),
                  (try? handle.seek(toOffset: UInt64(entry.offset))) != nil,
                  let bytes = try? handle.read(upToCount: entry.length), bytes.count == entry.length else { continue }
            return StoredFrame(stepIndex: entry.step, timestampSeconds: entry.time, jpeg: [UInt8](bytes))
        }
        return nil
    }

    /// Largest frame index read by ``lastFrame(episode:camera:)`` (256 MiB: millions of frames).
    public static let maximumIndexBytes = 256 << 20

    /// One camera's JPEG stream and its frame index in an episode's folder.
    private func cameraFiles(episode id: String, camera: String) -> (stream: URL, index: URL) {
        let folder = root.appendingPathComponent(Self.folderName(id))
        return (folder.appendingPathComponent("\(Self.folderName(camera)).mjpeg"),
                folder.appendingPathComponent("\(Self.folderName(camera)).index.jsonl"))
    }

    private func readMetadata(folder: URL) throws -> EpisodeMetadata {
        let url = folder.appendingPathComponent("metadata.json")
        do {
            return try JSONDecoder().decode(EpisodeMetadata.self, from: Data(contentsOf: url))
        } catch {
            throw EpisodeStoreError.corrupt(path: url.path, reason: ErrorMessage.oneLine(error))
        }
    }

    /// Reads steps; a final line without its newline (a write cut by a crash) is dropped, and with
    /// `repairTornTail` also truncated away so later readers see a clean file. Any other bad line is an error.
    static func readSteps(_ url: URL, repairTornTail: Bool) throws -> [StepRecord] {
        guard let data = try? Data(contentsOf: url) else { return [] }
        var steps: [StepRecord] = []
        let decoder = JSONDecoder()
        var start = data.startIndex
        var lastGoodEnd = data.startIndex
        while start < data.endIndex {
            guard let newline = data[start...].firstIndex(of: UInt8(ascii: "\n")) else { break }
            let line = data[start..<newline]
            if !line.isEmpty {
                do { steps.append(try decoder.decode(StepRecord.self, from: line)) } catch {
                    throw EpisodeStoreError.corrupt(path: url.path, reason: "step line \(steps.count + 1): \(ErrorMessage.oneLine(error))")
                }
            }
            start = newline + 1
            lastGoodEnd = start
        }
        if repairTornTail, lastGoodEnd < data.endIndex, let handle = try? FileHandle(forWritingTo: url) {
            try? handle.truncate(atOffset: UInt64(lastGoodEnd - data.startIndex))
            try? handle.close()
        }
        return steps
    }

    /// Creates `folder` and its parents if missing.
    ///
    /// - Throws: ``EpisodeStoreError/writeFailed(path:reason:)`` when it cannot.
    static func createFolder(_ folder: URL) throws {
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw EpisodeStoreError.writeFailed(path: folder.path, reason: error.localizedDescription)
        }
    }

    static func writeAtomically(_ data: Data, to url: URL) throws {
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).tmp")
        do {
            try data.write(to: temporary)
        } catch {
            throw EpisodeStoreError.writeFailed(path: url.path, reason: error.localizedDescription)
        }
        // rename(2) replaces the destination atomically: readers see the old file or the new one, never half.
        guard rename(temporary.path, url.path) == 0 else {
            throw EpisodeStoreError.writeFailed(path: url.path, reason: String(cString: strerror(errno)))
        }
    }

    /// Folder/file-safe form of an identifier.
    static func folderName(_ id: String) -> String {
        String(id.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." ? $0 : "_" })
    }
}

struct FrameIndexEntry: Codable {
    var step: Int
    var time: Double
    var offset: Int
    var length: Int
}

extension FrameIndexEntry {
    /// The entry of one index line whose bytes lie wholly within a stream of `streamSize` bytes; nil for a line
    /// that does not decode or points outside (a frame whose write was cut, or a crafted offset).
    init?(line: Data.SubSequence, streamSize: Int) {
        guard let entry = try? JSONDecoder().decode(FrameIndexEntry.self, from: Data(line)),
              entry.offset >= 0, entry.length > 0, entry.offset <= streamSize,
              entry.length <= streamSize - entry.offset else { return nil }
        self = entry
    }
}

/// Writes one episode; created by ``EpisodeStore/begin(_:)``.
public actor EpisodeWriter: EpisodeRecording {
    private let folder: URL
    private let metadata: EpisodeMetadata
    private let steps: AppendOnlyFile
    private var streams: [String: (data: AppendOnlyFile, index: AppendOnlyFile, size: Int)] = [:]
    private let codec: JPEGCodec
    private let jpegQuality: Int
    private let syncToDisk: Bool
    private let encoder = JSONEncoder()
    private var finished = false

    init(folder: URL, metadata: EpisodeMetadata, jpegQuality: Int, syncToDisk: Bool) throws {
        try EpisodeStore.createFolder(folder)
        self.folder = folder
        self.metadata = metadata
        self.jpegQuality = jpegQuality
        self.syncToDisk = syncToDisk
        codec = try JPEGCodec()
        encoder.outputFormatting = [.sortedKeys]
        try EpisodeStore.writeAtomically(try encoder.encode(metadata), to: folder.appendingPathComponent("metadata.json"))
        steps = try AppendOnlyFile(folder.appendingPathComponent("steps.jsonl"))
    }

    /// Appends the step as one line (and its frames to the camera streams); returns once the bytes are in the
    /// kernel (and on disk, with `syncToDisk`).
    public func append(_ step: StepRecord, frames: [Frame]) async throws {
        guard !finished else { throw EpisodeStoreError.alreadyFinished(metadata.id) }
        try write(frames, stepIndex: step.index)
        try steps.write(Array(try encoder.encode(step)) + [UInt8(ascii: "\n")])
        if syncToDisk { steps.sync() }
    }

    /// Appends the final observation's frames (listed under `stepIndex`, the step count).
    public func appendFinalFrames(_ frames: [Frame], stepIndex: Int) async throws {
        guard !finished else { throw EpisodeStoreError.alreadyFinished(metadata.id) }
        try write(frames, stepIndex: stepIndex)
    }

    private func write(_ frames: [Frame], stepIndex: Int) throws {
        for frame in frames {
            let jpeg: [UInt8]
            if let bytes = frame.jpeg { jpeg = bytes } else if let image = frame.image {
                jpeg = try codec.encode(image, quality: jpegQuality)
            } else { continue }
            let name = EpisodeStore.folderName(frame.cameraName)
            if streams[name] == nil {
                streams[name] = (try AppendOnlyFile(folder.appendingPathComponent("\(name).mjpeg")),
                                 try AppendOnlyFile(folder.appendingPathComponent("\(name).index.jsonl")), 0)
            }
            guard let stream = streams[name] else { continue }
            try stream.data.write(jpeg)
            let entry = FrameIndexEntry(step: stepIndex, time: frame.timestampSeconds, offset: stream.size,
                                        length: jpeg.count)
            // The index line goes last: a frame is listed only once its bytes are fully written.
            try stream.index.write(Array(try encoder.encode(entry)) + [UInt8(ascii: "\n")])
            streams[name]?.size += jpeg.count
            if syncToDisk { stream.data.sync(); stream.index.sync() }
        }
    }

    /// Writes `episode.json` by atomic rename and closes the files.
    public func finish(_ summary: EpisodeSummary) async throws {
        guard !finished else { throw EpisodeStoreError.alreadyFinished(metadata.id) }
        finished = true
        steps.sync()
        for stream in streams.values { stream.data.sync(); stream.index.sync() }
        try EpisodeStore.writeAtomically(try encoder.encode(summary), to: folder.appendingPathComponent("episode.json"))
    }
}

/// A file opened for appending with plain `write(2)` calls: each call's bytes are in the kernel when it
/// returns, so they survive the death of the process.
final class AppendOnlyFile: @unchecked Sendable {
    private let descriptor: Int32
    let path: String

    init(_ url: URL) throws {
        path = url.path
        descriptor = open(url.path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw EpisodeStoreError.writeFailed(path: url.path, reason: String(cString: strerror(errno)))
        }
    }

    deinit { close(descriptor) }

    func write(_ bytes: [UInt8]) throws {
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { buffer in
                Foundation.write(descriptor, buffer.baseAddress! + written, bytes.count - written)
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw EpisodeStoreError.writeFailed(path: path, reason: String(cString: strerror(errno)))
            }
            written += n
        }
    }

    func sync() {
        fsync(descriptor)
    }
}
