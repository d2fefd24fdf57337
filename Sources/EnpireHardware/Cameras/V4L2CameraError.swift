#if os(Linux)
import CV4L2
import Enpire
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
#endif
