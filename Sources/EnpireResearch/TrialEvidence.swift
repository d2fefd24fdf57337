public import Enpire
public import Foundation

/// Records what a workspace trial's episodes left behind for the agent to inspect: each episode's summary and the
/// last frame of each camera, in `<operator>/trials/<trial id>/`. Steps are not kept; only the latest frames.
/// Frames of at most ``TrialEvidence/largestPNGPixels`` pixels are stored as PNG (lossless), larger ones as JPEG
/// (quality 85, so an agent's context gets tens of kilobytes, not a megabyte), JPEG-only frames as they came.
///
/// Only development episodes are recorded this way (held-out evaluation runs without it), so nothing read back
/// from this folder can reveal a held-out seed.
public actor TrialEvidenceRecorder: EpisodeRecorder {
    /// Called after each episode with the number finished so far and the episode's summary.
    public typealias EpisodeFinished = @Sendable (_ finished: Int, _ summary: EpisodeSummary) async -> Void

    /// The trial's folder.
    public nonisolated let folder: URL
    private let onFinish: EpisodeFinished?
    private var started = 0
    private var finished = 0

    /// A recorder writing into `folder` (created if missing), calling `onFinish` after each episode.
    public init(folder: URL, onFinish: EpisodeFinished? = nil) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        self.folder = folder
        self.onFinish = onFinish
    }

    /// Starts an episode: its files are named by its order in the trial (`episode-000`, ...).
    public func begin(_ metadata: EpisodeMetadata) async throws -> any EpisodeRecording {
        defer { started += 1 }
        return Recording(prefix: folder.appendingPathComponent(String(format: "episode-%03d", started)),
                         finished: { [weak self] summary in await self?.episodeFinished(summary) })
    }

    private func episodeFinished(_ summary: EpisodeSummary) async {
        finished += 1
        await onFinish?(finished, summary)
    }

    /// One episode: keeps the latest frame of each camera in memory and writes them with the summary at the end.
    actor Recording: EpisodeRecording {
        let prefix: URL
        let finished: @Sendable (EpisodeSummary) async -> Void
        var latest: [String: Frame] = [:]

        init(prefix: URL, finished: @escaping @Sendable (EpisodeSummary) async -> Void) {
            self.prefix = prefix
            self.finished = finished
        }

        func append(_ step: StepRecord, frames: [Frame]) async throws {
            for frame in frames { latest[frame.cameraName] = frame }
        }

        func appendFinalFrames(_ frames: [Frame], stepIndex: Int) async throws {
            for frame in frames { latest[frame.cameraName] = frame }
        }

        func finish(_ summary: EpisodeSummary) async throws {
            for (camera, frame) in latest {
                let name = prefix.lastPathComponent + "-" + TrialEvidence.fileSafe(camera)
                if let image = frame.image, image.size.width * image.size.height <= TrialEvidence.largestPNGPixels {
                    try Data(PNGEncoder.encode(image)).write(to: prefix.deletingLastPathComponent()
                        .appendingPathComponent(name + ".png"), options: .atomic)
                } else if let image = frame.image {
                    try Data(JPEGCodec().encode(image, quality: 85)).write(
                        to: prefix.deletingLastPathComponent().appendingPathComponent(name + ".jpg"), options: .atomic)
                } else if let jpeg = frame.jpeg {
                    try Data(jpeg).write(to: prefix.deletingLastPathComponent().appendingPathComponent(name + ".jpg"),
                                         options: .atomic)
                }
            }
            try JSONEncoder().encode(summary).write(to: prefix.appendingPathExtension("json"), options: .atomic)
            await finished(summary)
        }
    }
}

/// What a recorded trial left: read back by ``ResearchWorkspace/trialEvidence(_:)``.
public struct TrialEvidence: Sendable {
    /// One recorded camera frame.
    public struct Image: Sendable {
        /// The episode it ends (0 is the trial's first).
        public var episode: Int
        /// The camera's name.
        public var camera: String
        /// `image/png` or `image/jpeg`.
        public var mimeType: String
        /// The encoded image.
        public var data: Data
    }

    /// The trial id.
    public var trial: String
    /// Each recorded episode's summary, in the order they ran.
    public var summaries: [EpisodeSummary]
    /// The last frame of each camera of each episode, by episode then camera.
    public var frames: [Image]

    /// Frames up to this many pixels (128 x 128) are kept as PNG, larger ones as JPEG.
    public static let largestPNGPixels = 128 * 128

    /// `name` with every character outside `[A-Za-z0-9_-]` replaced by `_`.
    static func fileSafe(_ name: String) -> String {
        String(name.map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") ? $0 : "_" })
    }

    /// Reads the evidence in `folder` (as written by ``TrialEvidenceRecorder``).
    static func read(trial: String, folder: URL) throws -> TrialEvidence {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).sorted()
        var summaries: [EpisodeSummary] = []
        var frames: [Image] = []
        for name in names where name.hasPrefix("episode-") {
            let url = folder.appendingPathComponent(name)
            let parts = name.split(separator: "-", maxSplits: 2)
            guard parts.count >= 2, let episode = Int(parts[1].prefix(3)) else { continue }
            if name.hasSuffix(".json") {
                do {
                    let data = try SafeFile.read(url, limit: ResearchWorkspace.maximumDocumentBytes)
                    summaries.append(try JSONDecoder().decode(EpisodeSummary.self, from: data))
                } catch {
                    throw ResearchWorkspace.WorkspaceError.io(path: url.path, reason: "not an episode summary: \(error)")
                }
            } else if parts.count == 3, name.hasSuffix(".png") || name.hasSuffix(".jpg") {
                let png = name.hasSuffix(".png")
                frames.append(Image(episode: episode, camera: String(parts[2].dropLast(4)),
                                    mimeType: png ? "image/png" : "image/jpeg",
                                    data: try Self.readFrame(url)))
            }
        }
        return TrialEvidence(trial: trial, summaries: summaries, frames: frames)
    }

    /// Largest frame file read back (64 MiB): a trial's frames are served to agents, so a crafted file in the
    /// trial folder must not exhaust memory.
    static let maximumFrameBytes = 64 << 20

    private static func readFrame(_ url: URL) throws -> Data {
        do { return try SafeFile.read(url, limit: maximumFrameBytes) } catch {
            throw ResearchWorkspace.WorkspaceError.io(path: url.path, reason: error.description)
        }
    }
}
