/// Counters of an ``MJPEGCamera``.
public struct MJPEGCameraStatistics: Sendable, Equatable {
    /// JPEG frames received whole.
    public var framesReceived = 0
    /// Connections opened (including the first).
    public var connections = 0
    /// Connections or snapshots that ended in an error (each dropped what it was reading).
    public var failures = 0
    /// The most recent error, if any.
    public var lastError: MJPEGCameraError?
}
