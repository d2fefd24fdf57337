public import Enpire
import Foundation
import Synchronization

/// A camera behind an HTTP URL that serves Motion JPEG: IP cameras, `mjpg-streamer`, an ESP32-CAM's web server.
///
/// Two sources:
/// - ``Source/stream``: a `multipart/x-mixed-replace` stream (`http://host:8080/?action=stream`,
///   `http://esp32cam:81/stream`). A background thread keeps one connection open and holds the newest whole
///   frame; ``latestFrame()`` returns it at once. A torn or malformed stream drops the frame being read, the
///   connection is reopened under the ``MJPEGReconnectPolicy``, and the last whole frame stays available until it
///   is older than `maximumFrameAgeSeconds`.
/// - ``Source/snapshot``: one JPEG per request (`/?action=snapshot`, `/capture`, `/snapshot.jpg`), fetched on each
///   ``latestFrame()``.
///
/// The JPEG bytes go into `Frame.jpeg` exactly as the camera sent them (no decoding, no re-encoding); only the
/// JPEG header is read to check the size against `resolution` (when `checksResolution`). Every read is bounded by
/// ``MJPEGLimits`` (part and header sizes, connect, stall and per-part deadlines), so a broken or hostile server
/// costs at most about `maximumPartBytes` of memory and never blocks the station.
///
/// Plain `http://` only (with `user:password@` sent as Basic authentication); TLS is not supported.
public actor MJPEGCamera: Camera {
    /// What the URL serves.
    public enum Source: String, Sendable, Equatable {
        /// A `multipart/x-mixed-replace` stream of JPEG parts.
        case stream
        /// A single JPEG per request.
        case snapshot
    }

    /// Unique name within the station.
    public nonisolated let name: String
    /// Size of the camera's frames (checked against each JPEG header when `checksResolution`).
    public nonisolated let resolution: ImageSize
    /// The camera's URL.
    public nonisolated let url: String
    /// What the URL serves.
    public nonisolated let source: Source
    /// Size limits and deadlines.
    public nonisolated let limits: MJPEGLimits
    /// Reconnection after a failed stream.
    public nonisolated let reconnect: MJPEGReconnectPolicy
    /// Oldest frame ``latestFrame()`` returns from a stream, in seconds of `clock`.
    public nonisolated let maximumFrameAgeSeconds: Double
    /// How long ``latestFrame()`` waits for a stream's first frame.
    public nonisolated let firstFrameTimeoutSeconds: Double
    private let endpoint: HTTPEndpoint
    private let clock: any StationClock
    private let checksResolution: Bool
    private let worker: MJPEGStreamWorker?
    private var snapshotStatistics = MJPEGCameraStatistics()

    /// Creates a camera; a stream starts connecting on ``start()`` or the first ``latestFrame()``.
    ///
    /// - Parameters:
    ///   - name: the camera's name within the station.
    ///   - url: `http://[user:password@]host[:port]/path[?query]`.
    ///   - resolution: the size of the camera's frames.
    ///   - source: a multipart stream or a snapshot URL.
    ///   - limits: size limits and deadlines.
    ///   - reconnect: reconnection after a failed stream.
    ///   - maximumFrameAgeSeconds: oldest stream frame returned.
    ///   - firstFrameTimeoutSeconds: how long the first request waits for a stream's first frame.
    ///   - checksResolution: whether each JPEG header's size must equal `resolution`.
    ///   - clock: the station's clock, which stamps each frame when its last byte arrived.
    /// - Throws: ``MJPEGCameraError/invalidURL(_:reason:)`` or ``MJPEGCameraError/invalidSetting(_:)``.
    public init(name: String, url: String, resolution: ImageSize, source: Source = .stream,
                limits: MJPEGLimits = MJPEGLimits(), reconnect: MJPEGReconnectPolicy = MJPEGReconnectPolicy(),
                maximumFrameAgeSeconds: Double = 1.0, firstFrameTimeoutSeconds: Double = 5.0,
                checksResolution: Bool = true, clock: any StationClock = SystemClock()) throws(MJPEGCameraError) {
        try limits.validate()
        try reconnect.validate()
        guard maximumFrameAgeSeconds.isFinite, maximumFrameAgeSeconds > 0,
              firstFrameTimeoutSeconds.isFinite, firstFrameTimeoutSeconds >= 0 else {
            throw .invalidSetting("maximumFrameAgeSeconds must be > 0 and firstFrameTimeoutSeconds ≥ 0")
        }
        guard resolution.width > 0, resolution.height > 0 else {
            throw .invalidSetting("resolution \(resolution) must have positive width and height")
        }
        let endpoint = try HTTPEndpoint(url: url)
        self.name = name
        self.url = url
        self.resolution = resolution
        self.source = source
        self.limits = limits
        self.reconnect = reconnect
        self.maximumFrameAgeSeconds = maximumFrameAgeSeconds
        self.firstFrameTimeoutSeconds = firstFrameTimeoutSeconds
        self.endpoint = endpoint
        self.clock = clock
        self.checksResolution = checksResolution
        worker = source == .stream
            ? MJPEGStreamWorker(name: name, endpoint: endpoint, limits: limits, reconnect: reconnect,
                                expected: checksResolution ? resolution : nil, clock: clock)
            : nil
    }

    deinit { worker?.stop() }

    /// Starts a stream's background connection (no effect for a snapshot camera or a running stream).
    public func start() { worker?.start() }

    /// Closes a stream's connection and ends its thread; later frames throw ``MJPEGCameraError/stopped(camera:)``.
    public func stop() { worker?.stop() }

    /// Frames, connections and failures so far.
    public var statistics: MJPEGCameraStatistics { worker?.statistics ?? snapshotStatistics }

    /// The newest whole frame of the stream, or a freshly fetched snapshot.
    ///
    /// - Throws: for a stream, ``MJPEGCameraError/noFrameYet(camera:waitedSeconds:lastError:)``,
    ///   ``MJPEGCameraError/staleFrame(camera:ageSeconds:lastError:)``,
    ///   ``MJPEGCameraError/gaveUp(camera:failures:lastError:)`` or ``MJPEGCameraError/stopped(camera:)``; for a
    ///   snapshot, the request's own error.
    public func latestFrame() async throws -> Frame {
        guard let worker else { return try await snapshot() }
        worker.start()
        let started = ContinuousClock.now
        while true {
            let (frame, statistics, stopped, gaveUp) = worker.snapshotState()
            if stopped { throw MJPEGCameraError.stopped(camera: name) }
            if let frame {
                let age = clock.now() - frame.timestampSeconds
                guard age <= maximumFrameAgeSeconds else {
                    if gaveUp {
                        throw MJPEGCameraError.gaveUp(camera: name, failures: statistics.failures,
                                                      lastError: statistics.lastError?.description)
                    }
                    throw MJPEGCameraError.staleFrame(camera: name, ageSeconds: age,
                                                      lastError: statistics.lastError?.description)
                }
                return frame
            }
            if gaveUp {
                throw MJPEGCameraError.gaveUp(camera: name, failures: statistics.failures,
                                              lastError: statistics.lastError?.description)
            }
            let waited = (ContinuousClock.now - started).inSeconds
            guard waited < firstFrameTimeoutSeconds else {
                throw MJPEGCameraError.noFrameYet(camera: name, waitedSeconds: firstFrameTimeoutSeconds,
                                                  lastError: statistics.lastError?.description)
            }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    private func snapshot() async throws -> Frame {
        let (endpoint, limits, expected, clock, name) = (endpoint, limits, checksResolution ? resolution : nil, clock, name)
        let result: Result<Frame, MJPEGCameraError> = await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(returning: Result { () throws(MJPEGCameraError) -> Frame in
                    let codec = expected == nil ? nil : try? JPEGCodec()
                    let jpeg = try MJPEGConnection.fetchSnapshot(endpoint: endpoint, limits: limits)
                    try MJPEGConnection.checkSize(jpeg, expected: expected, codec: codec)
                    return Frame(cameraName: name, timestampSeconds: clock.now(), jpeg: jpeg)
                })
            }
        }
        snapshotStatistics.connections += 1
        switch result {
        case .success(let frame):
            snapshotStatistics.framesReceived += 1
            return frame
        case .failure(let error):
            snapshotStatistics.failures += 1
            snapshotStatistics.lastError = error
            throw error
        }
    }
}

/// One HTTP exchange with a camera: open, send the request, read the head, hand back a body reader.
enum MJPEGConnection {
    /// Per-connection deadlines read by the socket source: the stall deadline restarts with every read, the part
    /// deadline is set by the caller for each part.
    final class Deadlines: @unchecked Sendable {
        // Touched only by the thread that owns the connection.
        var part = Date.distantFuture
    }

    /// Opens a connection and returns its socket, response head, body reader and deadlines.
    static func open(endpoint: HTTPEndpoint, limits: MJPEGLimits)
        throws(MJPEGCameraError) -> (HTTPSocket, HTTPResponseHead, ByteReader, Deadlines) {
        let socket = try HTTPSocket.connect(to: endpoint, timeoutSeconds: limits.connectTimeoutSeconds)
        let deadlines = Deadlines()
        deadlines.part = Date().addingTimeInterval(limits.partTimeoutSeconds)
        try socket.send(endpoint.request, deadline: Date().addingTimeInterval(limits.readTimeoutSeconds))
        let raw = ByteReader { () throws(MJPEGCameraError) -> [UInt8] in
            let stall = Date().addingTimeInterval(limits.readTimeoutSeconds)
            guard deadlines.part < stall else { return try socket.read(maximum: 64 << 10, deadline: stall) }
            do throws(MJPEGCameraError) {
                return try socket.read(maximum: 64 << 10, deadline: deadlines.part)
            } catch {
                guard case .timedOut(let place, _) = error else { throw error }
                throw .timedOut(place, while: "receiving one whole part within partTimeoutSeconds = "
                    + "\(limits.partTimeoutSeconds) s")
            }
        }
        let head = try HTTPResponseHead.read(from: raw, limit: limits.maximumHeaderBytes)
        guard head.status == 200 else { throw .httpStatus(head.status, reason: head.reason) }
        let body = head.isChunked ? ByteReader(source: chunkedSource(raw, limit: limits.maximumPartBytes)) : raw
        return (socket, head, body, deadlines)
    }

    /// One JPEG from a snapshot URL.
    static func fetchSnapshot(endpoint: HTTPEndpoint, limits: MJPEGLimits) throws(MJPEGCameraError) -> [UInt8] {
        let (socket, head, body, _) = try open(endpoint: endpoint, limits: limits)
        defer { socket.close() }
        if let type = head.headers["content-type"]?.lowercased(), type.hasPrefix("multipart/") {
            throw .notJPEG("the URL serves a stream (\(type)); use the stream source for it")
        }
        if let type = head.headers["content-type"]?.lowercased(), !type.contains("jpeg"), !type.contains("jpg") {
            throw .notJPEG("its Content-Type is \(type.debugDescription)")
        }
        let jpeg: [UInt8]
        if let length = try head.contentLength(limit: limits.maximumPartBytes) {
            jpeg = try body.readExactly(length, what: "a snapshot of \(length) bytes")
        } else {
            var bytes: [UInt8] = []
            while true {
                let more = try body.readAvailable(maximum: 64 << 10)
                if more.isEmpty { break }
                bytes += more
                guard bytes.count <= limits.maximumPartBytes else {
                    throw .partTooLarge(limit: limits.maximumPartBytes, declared: nil)
                }
            }
            jpeg = bytes
        }
        try MJPEGPartParser.checkJPEG(jpeg)
        return jpeg
    }

    /// Checks the JPEG header's size against `expected` (no pixel is decoded).
    static func checkSize(_ jpeg: [UInt8], expected: ImageSize?, codec: JPEGCodec?) throws(MJPEGCameraError) {
        guard let expected, let codec else { return }
        let size: ImageSize
        do { size = try codec.decodedSize(of: jpeg) } catch {
            throw .notJPEG("its header cannot be read (\(error))")
        }
        guard size == expected else { throw .unexpectedResolution(size, expected: expected) }
    }
}

/// The thread that keeps a stream connection open and holds the newest frame.
final class MJPEGStreamWorker: Sendable {
    private struct State: Sendable {
        var started = false
        var stopped = false
        var gaveUp = false
        var latest: Frame?
        var statistics = MJPEGCameraStatistics()
        var socket: HTTPSocket?
    }

    private let state = Mutex(State())
    private let name: String
    private let endpoint: HTTPEndpoint
    private let limits: MJPEGLimits
    private let reconnect: MJPEGReconnectPolicy
    private let expected: ImageSize?
    private let clock: any StationClock

    init(name: String, endpoint: HTTPEndpoint, limits: MJPEGLimits, reconnect: MJPEGReconnectPolicy,
         expected: ImageSize?, clock: any StationClock) {
        self.name = name
        self.endpoint = endpoint
        self.limits = limits
        self.reconnect = reconnect
        self.expected = expected
        self.clock = clock
    }

    var statistics: MJPEGCameraStatistics { state.withLock { $0.statistics } }

    func snapshotState() -> (Frame?, MJPEGCameraStatistics, stopped: Bool, gaveUp: Bool) {
        state.withLock { ($0.latest, $0.statistics, $0.stopped, $0.gaveUp) }
    }

    func start() {
        let shouldStart = state.withLock { state -> Bool in
            guard !state.started, !state.stopped else { return false }
            state.started = true
            return true
        }
        guard shouldStart else { return }
        let thread = Thread { [self] in run() }
        thread.name = "enpire.mjpeg.\(name)"
        thread.start()
    }

    func stop() {
        state.withLock { state in
            state.stopped = true
            state.socket?.shutdown()
        }
    }

    private var isStopped: Bool { state.withLock { $0.stopped } }

    private func run() {
        let codec = expected == nil ? nil : try? JPEGCodec()
        var delay = reconnect.initialDelaySeconds
        var consecutiveFailures = 0
        while !isStopped {
            var delivered = false
            do {
                try streamOnce(codec: codec) { delivered = true }
            } catch {
                state.withLock {
                    $0.statistics.failures += 1
                    $0.statistics.lastError = $0.stopped ? $0.statistics.lastError : error
                }
            }
            if delivered {
                consecutiveFailures = 0
                delay = reconnect.initialDelaySeconds
            } else {
                consecutiveFailures += 1
            }
            if let maximum = reconnect.maximumConsecutiveFailures, consecutiveFailures >= maximum {
                state.withLock { $0.gaveUp = true }
                return
            }
            // Interruptible back-off.
            let until = Date().addingTimeInterval(delay)
            while !isStopped, Date() < until { usleep(5_000) }
            delay = min(max(delay * 2, 0.01), reconnect.maximumDelaySeconds)
        }
    }

    /// One connection: reads parts until an error (thrown) or the stop.
    private func streamOnce(codec: JPEGCodec?, delivered: () -> Void) throws(MJPEGCameraError) {
        let (socket, head, body, deadlines) = try MJPEGConnection.open(endpoint: endpoint, limits: limits)
        let keep = state.withLock { state -> Bool in
            state.statistics.connections += 1
            guard !state.stopped else { return false }
            state.socket = socket
            return true
        }
        defer {
            state.withLock { $0.socket = nil }
            socket.close()
        }
        guard keep else { return }
        let parser = MJPEGPartParser(reader: body, boundary: try MJPEGPartParser.boundary(
            contentType: head.headers["content-type"]), limits: limits)
        while !isStopped {
            deadlines.part = Date().addingTimeInterval(limits.partTimeoutSeconds)
            let jpeg = try parser.nextPart()
            try MJPEGConnection.checkSize(jpeg, expected: expected, codec: codec)
            let frame = Frame(cameraName: name, timestampSeconds: clock.now(), jpeg: jpeg)
            state.withLock {
                $0.latest = frame
                $0.statistics.framesReceived += 1
            }
            delivered()
        }
    }
}
