#if os(Linux)
import CV4L2
public import Enpire
import Foundation
import Glibc
import Synchronization

/// Why a ``V4L2Camera`` could not capture, with what to check.
public enum V4L2CameraError: Error, Equatable, CustomStringConvertible {
    /// The device node could not be opened.
    case openFailed(path: String, reason: String)
    /// The device is not a video capture device with streaming I/O.
    case notACaptureDevice(path: String, reason: String)
    /// The device offers none of the requested pixel formats at all.
    case formatUnsupported(path: String, requested: [String], available: [String])
    /// The driver chose another size or format than asked for.
    case formatChanged(path: String, requested: String, granted: String)
    /// A V4L2 call failed.
    case ioctlFailed(path: String, call: String, reason: String)
    /// A setting is out of range.
    case invalidSetting(String)
    /// No frame arrived within the deadline.
    case noFrame(path: String, waitedSeconds: Double, lastError: String?)
    /// The newest frame is older than the allowed age.
    case staleFrame(path: String, ageSeconds: Double)
    /// A frame could not be converted (a partial or corrupt buffer).
    case badFrame(path: String, reason: String)
    /// The camera was stopped.
    case stopped(path: String)

    /// A message a user can act on.
    public var description: String {
        switch self {
        case .openFailed(let path, let reason):
            return "cannot open \(path): \(reason); check `ls -l /dev/video*` and that you are in the video group"
        case .notACaptureDevice(let path, let reason):
            return "\(path) is not a V4L2 capture device with streaming I/O (\(reason)); a webcam often has two nodes, "
                + "try the other one (`v4l2-ctl --list-devices`)"
        case .formatUnsupported(let path, let requested, let available):
            return "\(path) offers none of \(requested.joined(separator: ", ")); it offers "
                + "\(available.isEmpty ? "nothing readable" : available.joined(separator: ", "))"
        case .formatChanged(let path, let requested, let granted):
            return "\(path) was asked for \(requested) but the driver granted \(granted); configure a size the camera "
                + "supports (`v4l2-ctl -d \(path) --list-formats-ext`)"
        case .ioctlFailed(let path, let call, let reason): return "\(call) on \(path) failed: \(reason)"
        case .invalidSetting(let message): return "V4L2 camera setting: \(message)"
        case .noFrame(let path, let waited, let last):
            return "\(path) delivered no frame within \(waited) s" + (last.map { "; last error: \($0)" } ?? "")
                + "; another program may hold the camera"
        case .staleFrame(let path, let age):
            return "the newest frame from \(path) is \((age * 1000).rounded() / 1000) s old; the camera stopped streaming"
        case .badFrame(let path, let reason): return "bad frame from \(path): \(reason)"
        case .stopped(let path): return "camera \(path) was stopped"
        }
    }
}

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

/// An open, streaming V4L2 device with mapped buffers. Used by one thread at a time.
final class V4L2Device: @unchecked Sendable {
    // @unchecked: created on the caller's thread, then used only by the capture thread.
    let path: String
    private(set) var format = V4L2Camera.PixelFormat.mjpeg
    private(set) var bytesPerLine = 0
    private let fd: Int32
    private var buffers: [(pointer: UnsafeMutableRawPointer, length: Int)] = []
    private var streaming = false

    private static func errnoText() -> String { String(cString: strerror(errno)) }

    private static func fourccText(_ value: UInt32) -> String {
        String(decoding: (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }, as: UTF8.self)
    }

    init(path: String, size: ImageSize, formats: [V4L2Camera.PixelFormat], framesPerSecond: Int?,
         bufferCount: Int) throws(V4L2CameraError) {
        self.path = path
        fd = Glibc.open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { throw .openFailed(path: path, reason: Self.errnoText()) }
        var ok = false
        defer { if !ok { _ = Glibc.close(fd) } }

        var capability = v4l2_capability()
        guard enpire_v4l2_ioctl(fd, ENPIRE_VIDIOC_QUERYCAP, &capability) == 0 else {
            throw .notACaptureDevice(path: path, reason: "VIDIOC_QUERYCAP: \(Self.errnoText())")
        }
        let caps = capability.capabilities & ENPIRE_V4L2_CAP_DEVICE_CAPS != 0 ? capability.device_caps
            : capability.capabilities
        guard caps & ENPIRE_V4L2_CAP_VIDEO_CAPTURE != 0, caps & ENPIRE_V4L2_CAP_STREAMING != 0 else {
            throw .notACaptureDevice(path: path, reason: String(format: "capabilities 0x%08x", caps))
        }

        // Formats the device offers.
        var offered: [UInt32] = []
        for index in 0..<64 {
            var description = v4l2_fmtdesc()
            description.index = UInt32(index)
            description.type = ENPIRE_V4L2_BUF_TYPE_VIDEO_CAPTURE
            guard enpire_v4l2_ioctl(fd, ENPIRE_VIDIOC_ENUM_FMT, &description) == 0 else { break }
            offered.append(description.pixelformat)
        }
        guard let chosen = formats.first(where: { offered.contains($0.fourcc) }) else {
            throw .formatUnsupported(path: path, requested: formats.map(\.rawValue), available: offered.map(Self.fourccText))
        }

        var requested = v4l2_format()
        requested.type = ENPIRE_V4L2_BUF_TYPE_VIDEO_CAPTURE
        requested.fmt.pix.width = UInt32(size.width)
        requested.fmt.pix.height = UInt32(size.height)
        requested.fmt.pix.pixelformat = chosen.fourcc
        requested.fmt.pix.field = ENPIRE_V4L2_FIELD_ANY
        guard enpire_v4l2_ioctl(fd, ENPIRE_VIDIOC_S_FMT, &requested) == 0 else {
            throw .ioctlFailed(path: path, call: "VIDIOC_S_FMT", reason: Self.errnoText())
        }
        let granted = requested.fmt.pix
        guard granted.pixelformat == chosen.fourcc, Int(granted.width) == size.width, Int(granted.height) == size.height
        else {
            throw .formatChanged(path: path, requested: "\(chosen.rawValue) \(size)",
                                 granted: "\(Self.fourccText(granted.pixelformat)) \(granted.width)x\(granted.height)")
        }
        format = chosen
        bytesPerLine = chosen == .yuyv ? max(Int(granted.bytesperline), size.width * 2) : Int(granted.bytesperline)

        if let framesPerSecond {
            // Best effort: many drivers round to their nearest rate; some do not support it at all.
            var parameters = v4l2_streamparm()
            parameters.type = ENPIRE_V4L2_BUF_TYPE_VIDEO_CAPTURE
            parameters.parm.capture.timeperframe = v4l2_fract(numerator: 1, denominator: UInt32(framesPerSecond))
            _ = enpire_v4l2_ioctl(fd, ENPIRE_VIDIOC_S_PARM, &parameters)
        }

        var request = v4l2_requestbuffers()
        request.count = UInt32(bufferCount)
        request.type = ENPIRE_V4L2_BUF_TYPE_VIDEO_CAPTURE
        request.memory = ENPIRE_V4L2_MEMORY_MMAP
        guard enpire_v4l2_ioctl(fd, ENPIRE_VIDIOC_REQBUFS, &request) == 0 else {
            throw .ioctlFailed(path: path, call: "VIDIOC_REQBUFS (memory-mapped streaming)", reason: Self.errnoText())
        }
        guard request.count >= 2 else {
            throw .ioctlFailed(path: path, call: "VIDIOC_REQBUFS", reason: "the driver granted \(request.count) buffers, need 2")
        }
        do throws(V4L2CameraError) {
            for index in 0..<Int(request.count) {
                var buffer = v4l2_buffer()
                buffer.type = ENPIRE_V4L2_BUF_TYPE_VIDEO_CAPTURE
                buffer.memory = ENPIRE_V4L2_MEMORY_MMAP
                buffer.index = UInt32(index)
                guard enpire_v4l2_ioctl(fd, ENPIRE_VIDIOC_QUERYBUF, &buffer) == 0 else {
                    throw .ioctlFailed(path: path, call: "VIDIOC_QUERYBUF", reason: Self.errnoText())
                }
                guard let pointer = enpire_v4l2_mmap(fd, UInt(buffer.length), UInt(buffer.m.offset)),
                      pointer != UnsafeMutableRawPointer(bitPattern: -1) else {
                    throw .ioctlFailed(path: path, call: "mmap", reason: Self.errnoText())
                }
                buffers.append((pointer, Int(buffer.length)))
                guard enpire_v4l2_ioctl(fd, ENPIRE_VIDIOC_QBUF, &buffer) == 0 else {
                    throw .ioctlFailed(path: path, call: "VIDIOC_QBUF", reason: Self.errnoText())
                }
            }
            var type = Int32(bitPattern: ENPIRE_V4L2_BUF_TYPE_VIDEO_CAPTURE)
            guard enpire_v4l2_ioctl(fd, ENPIRE_VIDIOC_STREAMON, &type) == 0 else {
                throw .ioctlFailed(path: path, call: "VIDIOC_STREAMON", reason: Self.errnoText())
            }
            streaming = true
        } catch {
            unmap()
            throw error
        }
        ok = true
    }

    /// Waits up to `timeoutMilliseconds` for a filled buffer; returns a copy of its bytes and the row stride, or
    /// nil when none was ready.
    func nextFrame(timeoutMilliseconds: Int32) throws(V4L2CameraError) -> ([UInt8], Int)? {
        var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let ready = poll(&descriptor, 1, timeoutMilliseconds)
        if ready == 0 || (ready < 0 && errno == EINTR) { return nil }
        guard ready > 0 else { throw .ioctlFailed(path: path, call: "poll", reason: Self.errnoText()) }
        var buffer = v4l2_buffer()
        buffer.type = ENPIRE_V4L2_BUF_TYPE_VIDEO_CAPTURE
        buffer.memory = ENPIRE_V4L2_MEMORY_MMAP
        guard enpire_v4l2_ioctl(fd, ENPIRE_VIDIOC_DQBUF, &buffer) == 0 else {
            if errno == EAGAIN { return nil }
            throw .ioctlFailed(path: path, call: "VIDIOC_DQBUF", reason: Self.errnoText())
        }
        defer { _ = enpire_v4l2_ioctl(fd, ENPIRE_VIDIOC_QBUF, &buffer) }
        let index = Int(buffer.index)
        guard index < buffers.count else {
            throw .ioctlFailed(path: path, call: "VIDIOC_DQBUF", reason: "buffer index \(index) out of range")
        }
        let used = min(Int(buffer.bytesused), buffers[index].length)
        let bytes = [UInt8](UnsafeRawBufferPointer(start: buffers[index].pointer, count: used))
        return (bytes, bytesPerLine)
    }

    private func unmap() {
        for buffer in buffers { munmap(buffer.pointer, buffer.length) }
        buffers = []
    }

    /// Stops streaming, unmaps the buffers and closes the device.
    func close() {
        if streaming {
            var type = Int32(bitPattern: ENPIRE_V4L2_BUF_TYPE_VIDEO_CAPTURE)
            _ = enpire_v4l2_ioctl(fd, ENPIRE_VIDIOC_STREAMOFF, &type)
            streaming = false
        }
        unmap()
        _ = Glibc.close(fd)
    }
}
#endif
