#if os(Linux)
import CV4L2
public import Enpire
import Foundation
import Glibc
import Synchronization

/// A Video4Linux2 camera (USB webcams, capture cards, CSI cameras behind a V4L2 driver) on Linux.
///
/// Opens the device, negotiates the size and the first pixel format of ``pixelFormats`` the device offers, maps
/// ``bufferCount`` kernel buffers (`VIDIOC_REQBUFS`/`QUERYBUF`, `mmap`) and streams on a background thread that
/// dequeues each filled buffer, copies it and queues it again, so ``latestFrame()`` returns the newest frame
/// without waiting for the next one.
///
/// - `MJPG` frames go into `Frame.jpeg` exactly as the camera compressed them (no decoding, no re-encoding).
/// - `YUYV` frames are converted to RGB (``YUYVConversion``) and JPEG-encoded when ``latestFrame()`` asks for
///   them (once per captured frame), so the frame carries both `Frame.image` and `Frame.jpeg`.
///
/// Only the newest frame is kept. The camera starts on ``start()`` or the first ``latestFrame()`` and releases the
/// device on ``stop()`` (or when released).
public actor V4L2Camera: Camera {
    /// Pixel formats the camera can ask the device for.
    public enum PixelFormat: String, Sendable, CaseIterable {
        /// Motion JPEG (`MJPG`), passed through unchanged.
        case mjpeg = "MJPG"
        /// Packed YUV 4:2:2 (`YUYV`), converted to RGB.
        case yuyv = "YUYV"

        var fourcc: UInt32 { self == .mjpeg ? ENPIRE_V4L2_PIX_FMT_MJPEG : ENPIRE_V4L2_PIX_FMT_YUYV }
    }

    /// Unique name within the station.
    public nonisolated let name: String
    /// Size negotiated with the device (the driver must grant exactly this).
    public nonisolated let resolution: ImageSize
    /// The device node, for example `/dev/video0` or `/dev/v4l/by-id/usb-…-video-index0`.
    public nonisolated let devicePath: String
    /// Formats to try, in order of preference.
    public nonisolated let pixelFormats: [PixelFormat]
    /// Requested frame rate, or nil for the driver's default.
    public nonisolated let framesPerSecond: Int?
    /// Kernel buffers mapped (2...32).
    public nonisolated let bufferCount: Int
    /// JPEG quality for converted YUYV frames.
    public nonisolated let jpegQuality: Int
    /// Oldest frame ``latestFrame()`` returns, in seconds of `clock`.
    public nonisolated let maximumFrameAgeSeconds: Double
    /// How long ``latestFrame()`` waits for the first frame.
    public nonisolated let firstFrameTimeoutSeconds: Double
    private let clock: any StationClock
    private let worker: V4L2CaptureWorker
    private var converted: (sequence: Int, frame: Frame)?
    private var codec: JPEGCodec?

    /// Creates a camera (nothing is opened until ``start()`` or the first ``latestFrame()``).
    ///
    /// - Throws: ``V4L2CameraError/invalidSetting(_:)`` for an impossible setting.
    public init(name: String, devicePath: String = "/dev/video0", resolution: ImageSize,
                pixelFormats: [PixelFormat] = [.mjpeg, .yuyv], framesPerSecond: Int? = 30, bufferCount: Int = 4,
                jpegQuality: Int = 90, maximumFrameAgeSeconds: Double = 1.0, firstFrameTimeoutSeconds: Double = 5.0,
                clock: any StationClock = SystemClock()) throws(V4L2CameraError) {
        guard resolution.width > 0, resolution.height > 0, resolution.width % 2 == 0,
              resolution.width <= JPEGCodec.maximumDimension, resolution.height <= JPEGCodec.maximumDimension else {
            throw .invalidSetting("resolution \(resolution) must be positive, even in width, at most "
                + "\(JPEGCodec.maximumDimension) per side")
        }
        guard !pixelFormats.isEmpty else { throw .invalidSetting("pixelFormats must name at least one format") }
        guard (2...32).contains(bufferCount) else { throw .invalidSetting("bufferCount \(bufferCount) must be in 2...32") }
        guard (1...100).contains(jpegQuality) else { throw .invalidSetting("jpegQuality \(jpegQuality) must be in 1...100") }
        if let framesPerSecond, !(1...1_000).contains(framesPerSecond) {
            throw .invalidSetting("framesPerSecond \(framesPerSecond) must be in 1...1000")
        }
        guard maximumFrameAgeSeconds.isFinite, maximumFrameAgeSeconds > 0, firstFrameTimeoutSeconds.isFinite,
              firstFrameTimeoutSeconds >= 0 else {
            throw .invalidSetting("maximumFrameAgeSeconds must be > 0 and firstFrameTimeoutSeconds ≥ 0")
        }
        self.name = name
        self.devicePath = devicePath
        self.resolution = resolution
        self.pixelFormats = pixelFormats
        self.framesPerSecond = framesPerSecond
        self.bufferCount = bufferCount
        self.jpegQuality = jpegQuality
        self.maximumFrameAgeSeconds = maximumFrameAgeSeconds
        self.firstFrameTimeoutSeconds = firstFrameTimeoutSeconds
        self.clock = clock
        worker = V4L2CaptureWorker(path: devicePath, size: resolution, formats: pixelFormats,
                                   framesPerSecond: framesPerSecond, bufferCount: bufferCount, clock: clock)
    }

    deinit { worker.stop() }

    /// Opens the device and starts streaming (once).
    ///
    /// - Throws: the error that prevented streaming (open, capabilities, format, buffers).
    public func start() throws(V4L2CameraError) { try worker.start() }

    /// Stops streaming and releases the device.
    public func stop() { worker.stop() }

    /// The pixel format the device agreed to, once started.
    public var negotiatedFormat: PixelFormat? { worker.negotiated }

    /// Frames captured so far.
    public var framesCaptured: Int { worker.state().captured }

    /// The newest captured frame.
    ///
    /// - Throws: the start error, ``V4L2CameraError/noFrame(path:waitedSeconds:lastError:)``,
    ///   ``V4L2CameraError/staleFrame(path:ageSeconds:)``, ``V4L2CameraError/badFrame(path:reason:)`` or
    ///   ``V4L2CameraError/stopped(path:)``.
    public func latestFrame() async throws -> Frame {
        try worker.start()
        let started = ContinuousClock.now
        while true {
            let state = worker.state()
            if state.stopped { throw V4L2CameraError.stopped(path: devicePath) }
            if let raw = state.latest {
                let age = clock.now() - raw.timestamp
                guard age <= maximumFrameAgeSeconds else {
                    throw V4L2CameraError.staleFrame(path: devicePath, ageSeconds: age)
                }
                return try frame(from: raw)
            }
            let waited = (ContinuousClock.now - started).inSeconds
            guard waited < firstFrameTimeoutSeconds else {
                throw V4L2CameraError.noFrame(path: devicePath, waitedSeconds: firstFrameTimeoutSeconds,
                                              lastError: state.lastError?.description)
            }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    private func frame(from raw: V4L2CaptureWorker.RawFrame) throws(V4L2CameraError) -> Frame {
        switch raw.format {
        case .mjpeg:
            guard raw.bytes.count >= 4, raw.bytes[0] == 0xFF, raw.bytes[1] == 0xD8 else {
                throw .badFrame(path: devicePath, reason: "an MJPG buffer of \(raw.bytes.count) bytes has no JPEG start marker")
            }
            return Frame(cameraName: name, timestampSeconds: raw.timestamp, jpeg: raw.bytes)
        case .yuyv:
            if let converted, converted.sequence == raw.sequence { return converted.frame }
            do {
                let image = try YUYVConversion.rgb(from: raw.bytes, size: resolution, bytesPerLine: raw.bytesPerLine)
                if codec == nil { codec = try JPEGCodec() }
                let jpeg = try codec?.encode(image, quality: jpegQuality)
                let frame = Frame(cameraName: name, timestampSeconds: raw.timestamp, image: image, jpeg: jpeg)
                converted = (raw.sequence, frame)
                return frame
            } catch {
                throw .badFrame(path: devicePath, reason: "\(error)")
            }
        }
    }
}

/// The thread that owns the device: format negotiation, mapped buffers, the dequeue/queue loop.
final class V4L2CaptureWorker: Sendable {
    struct RawFrame: Sendable {
        var bytes: [UInt8]
        var format: V4L2Camera.PixelFormat
        var bytesPerLine: Int
        var timestamp: Double
        var sequence: Int
    }

    struct State: Sendable {
        var started = false
        var stopped = false
        var finished = false
        var latest: RawFrame?
        var captured = 0
        var lastError: V4L2CameraError?
        var startError: V4L2CameraError?
        var negotiated: V4L2Camera.PixelFormat?
    }

    private let shared = Mutex(State())
    private let path: String
    private let size: ImageSize
    private let formats: [V4L2Camera.PixelFormat]
    private let framesPerSecond: Int?
    private let bufferCount: Int
    private let clock: any StationClock

    init(path: String, size: ImageSize, formats: [V4L2Camera.PixelFormat], framesPerSecond: Int?, bufferCount: Int,
         clock: any StationClock) {
        self.path = path
        self.size = size
        self.formats = formats
        self.framesPerSecond = framesPerSecond
        self.bufferCount = bufferCount
        self.clock = clock
    }

    func state() -> State { shared.withLock { $0 } }
    var negotiated: V4L2Camera.PixelFormat? { shared.withLock { $0.negotiated } }

    /// Opens and configures the device on the caller's thread (so configuration errors are thrown to the caller),
    /// then hands it to the capture thread.
    func start() throws(V4L2CameraError) {
        let proceed = shared.withLock { state -> Result<Bool, V4L2CameraError> in
            if let error = state.startError { return .failure(error) }
            if state.stopped { return .failure(.stopped(path: path)) }
            if state.started { return .success(false) }
            state.started = true
            return .success(true)
        }
        guard try proceed.get() else { return }
        let device: V4L2Device
        do throws(V4L2CameraError) {
            device = try V4L2Device(path: path, size: size, formats: formats, framesPerSecond: framesPerSecond,
                                    bufferCount: bufferCount)
        } catch {
            shared.withLock { $0.startError = error }
            throw error
        }
        shared.withLock { $0.negotiated = device.format }
        let thread = Thread { [self] in capture(device) }
        thread.name = "enpire.v4l2"
        thread.start()
    }

    func stop() { shared.withLock { $0.stopped = true } }

    private func capture(_ device: V4L2Device) {
        defer {
            device.close()
            shared.withLock { $0.finished = true }
        }
        var sequence = 0
        while !shared.withLock({ $0.stopped }) {
            do throws(V4L2CameraError) {
                guard let (bytes, stride) = try device.nextFrame(timeoutMilliseconds: 100) else { continue }
                sequence += 1
                let frame = RawFrame(bytes: bytes, format: device.format, bytesPerLine: stride,
                                     timestamp: clock.now(), sequence: sequence)
                shared.withLock {
                    $0.latest = frame
                    $0.captured += 1
                }
            } catch {
                shared.withLock { $0.lastError = error }
                usleep(50_000)
            }
        }
    }
}
#endif
