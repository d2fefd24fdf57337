/// A camera the station reads frames from.
public protocol Camera: Actor {
    /// Unique name within a station (for example `"top"`, `"wrist_left"`).
    nonisolated var name: String { get }
    /// Size of the frames this camera delivers.
    nonisolated var resolution: ImageSize { get }
    /// The most recent frame.
    func latestFrame() async throws -> Frame
}
