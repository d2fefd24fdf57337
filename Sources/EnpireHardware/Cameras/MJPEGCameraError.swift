public import Enpire

/// Why an ``MJPEGCamera`` delivered no frame, with what to check.
public enum MJPEGCameraError: Error, Equatable, CustomStringConvertible {
    /// The camera URL cannot be used.
    case invalidURL(String, reason: String)
    /// A limit, deadline or policy value is out of range.
    case invalidSetting(String)
    /// The TCP connection could not be opened.
    case connectFailed(String, reason: String)
    /// Sending or receiving failed after the connection was open.
    case ioFailed(String, reason: String)
    /// The server sent nothing within a deadline.
    case timedOut(String, while: String)
    /// The server answered with a status other than 200.
    case httpStatus(Int, reason: String)
    /// A stream URL answered with something other than `multipart/x-mixed-replace`.
    case notMultipart(contentType: String)
    /// The multipart content type names no boundary.
    case missingBoundary(contentType: String)
    /// The stream did not contain the boundary its content type declared where a part should start.
    case malformedBoundary(String)
    /// The status line, a header or the chunked encoding is malformed.
    case malformedResponse(String)
    /// A `Content-Length` is not a non-negative decimal number.
    case malformedContentLength(String)
    /// A part (or a snapshot) is larger than ``MJPEGLimits/maximumPartBytes``.
    case partTooLarge(limit: Int, declared: Int?)
    /// A header block or line is longer than ``MJPEGLimits/maximumHeaderBytes``.
    case headerTooLong(String, limit: Int)
    /// The connection ended in the middle of something.
    case truncated(while: String, received: Int)
    /// A part is not a whole JPEG (no start or end marker, or another content type).
    case notJPEG(String)
    /// A JPEG's header gives another size than the camera's configured resolution.
    case unexpectedResolution(ImageSize, expected: ImageSize)
    /// The server closed the multipart stream with its closing boundary.
    case streamEnded
    /// No frame arrived within the first-frame timeout; carries the last connection error, if any.
    case noFrameYet(camera: String, waitedSeconds: Double, lastError: String?)
    /// The newest frame is older than the allowed age (the stream stalled or keeps failing).
    case staleFrame(camera: String, ageSeconds: Double, lastError: String?)
    /// The reconnect policy's consecutive failures are used up; the camera no longer reconnects.
    case gaveUp(camera: String, failures: Int, lastError: String?)
    /// The camera was stopped.
    case stopped(camera: String)

    /// A message a user can act on.
    public var description: String {
        switch self {
        case .invalidURL(let url, let reason): return "camera URL \(url.debugDescription) cannot be used: \(reason)"
        case .invalidSetting(let message): return "MJPEG camera setting: \(message)"
        case .connectFailed(let place, let reason):
            return "cannot connect to \(place): \(reason); check the camera's address, port and power"
        case .ioFailed(let place, let reason): return "connection to \(place) failed: \(reason)"
        case .timedOut(let place, let what):
            return "\(place) sent nothing in time while \(what); the camera may be overloaded, or raise the limits' timeouts"
        case .httpStatus(let status, let reason):
            let hint = status == 401 || status == 403 ? " (put user:password@ in the URL for Basic authentication)"
                : status == 404 ? " (check the path: mjpg-streamer serves /?action=stream and /?action=snapshot, "
                    + "ESP32-CAM :81/stream and /capture)" : ""
            return "the camera answered HTTP \(status) \(reason)\(hint)"
        case .notMultipart(let contentType):
            return "expected a multipart/x-mixed-replace stream but got Content-Type \(contentType.debugDescription); "
                + "for a single-image URL use the snapshot source"
        case .missingBoundary(let contentType):
            return "Content-Type \(contentType.debugDescription) names no boundary; the stream cannot be split into frames"
        case .malformedBoundary(let message): return "malformed multipart stream: \(message)"
        case .malformedResponse(let message): return "malformed HTTP response: \(message)"
        case .malformedContentLength(let value):
            return "Content-Length \(value.debugDescription) is not a non-negative decimal number"
        case .partTooLarge(let limit, let declared):
            return (declared.map { "a part declares \($0) bytes" } ?? "a part has no end within the limit")
                + ", above the limit of \(limit) bytes; raise MJPEGLimits.maximumPartBytes if the camera's frames "
                + "really are that large"
        case .headerTooLong(let what, let limit):
            return "\(what) exceeds \(limit) bytes; not an MJPEG camera, or raise MJPEGLimits.maximumHeaderBytes"
        case .truncated(let what, let received):
            return "the connection ended while reading \(what) (\(received) bytes buffered); the frame was dropped"
        case .notJPEG(let message): return "a part is not a whole JPEG: \(message)"
        case .unexpectedResolution(let size, let expected):
            return "the camera sends \(size) frames but \(expected) was configured; set the camera's resolution "
                + "or the configured one to match"
        case .streamEnded: return "the server ended the multipart stream (closing boundary)"
        case .noFrameYet(let camera, let waited, let last):
            return "camera \(camera): no frame within \(waited) s" + (last.map { "; last error: \($0)" } ?? "")
        case .staleFrame(let camera, let age, let last):
            return "camera \(camera): the newest frame is \((age * 1000).rounded() / 1000) s old"
                + (last.map { "; last error: \($0)" } ?? "")
        case .gaveUp(let camera, let failures, let last):
            return "camera \(camera): gave up after \(failures) consecutive failed connections"
                + (last.map { "; last error: \($0)" } ?? "") + "; create the camera again to retry"
        case .stopped(let camera): return "camera \(camera) was stopped"
        }
    }
}
