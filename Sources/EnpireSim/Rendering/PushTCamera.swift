public import Enpire

/// A simulated top-down camera over the Push-T scene: each frame renders the state the provider returns.
///
/// The physics side hands in its state, for example `PushTCamera(name: "top", clock: clock) { await world.state }`.
public actor PushTCamera: Camera {
    /// Camera name within the station.
    public nonisolated let name: String
    /// Size of the frames.
    public nonisolated let resolution: ImageSize
    /// Realism settings (pose error, lighting, sensor noise).
    public nonisolated let noise: CameraNoise
    /// Whether the goal T is drawn.
    public nonisolated let drawGoal: Bool
    private let stateProvider: @Sendable () async throws -> PushTState
    private let timestamp: @Sendable () -> Double
    private var renderer: PushTRenderer
    private var buffer: RGBImage
    private var framesRendered: UInt64 = 0

    /// Creates a camera whose frames are stamped by `timestamp` (seconds on the station clock).
    ///
    /// - Throws: ``PushTRenderingError`` for an invalid resolution or noise setting.
    public init(
        name: String = "top",
        resolution: ImageSize = ImageSize(width: 96, height: 96),
        noise: CameraNoise = .none,
        drawGoal: Bool = true,
        timestamp: @escaping @Sendable () -> Double,
        state: @escaping @Sendable () async throws -> PushTState
    ) throws(PushTRenderingError) {
        self.name = name
        self.resolution = resolution
        self.noise = noise
        self.drawGoal = drawGoal
        self.renderer = try PushTRenderer(outputSize: resolution, noise: noise, drawGoal: drawGoal)
        self.buffer = RGBImage(size: resolution)
        self.timestamp = timestamp
        self.stateProvider = state
    }

    /// Creates a camera whose frames are stamped with `clock`'s time.
    ///
    /// - Throws: ``PushTRenderingError`` for an invalid resolution or noise setting.
    public init(
        name: String = "top",
        resolution: ImageSize = ImageSize(width: 96, height: 96),
        noise: CameraNoise = .none,
        drawGoal: Bool = true,
        clock: any StationClock,
        state: @escaping @Sendable () async throws -> PushTState
    ) throws(PushTRenderingError) {
        try self.init(name: name, resolution: resolution, noise: noise, drawGoal: drawGoal,
                      timestamp: { clock.now() }, state: state)
    }

    /// Reads the scene, renders it and returns the frame (stamped when the state was read).
    ///
    /// The render reuses this camera's buffer; a frame still held by the caller keeps its own copy.
    public func latestFrame() async throws -> Frame {
        let state = try await stateProvider()
        let time = timestamp()
        renderer.render(state, into: &buffer, frameIndex: framesRendered)
        framesRendered &+= 1
        return Frame(cameraName: name, timestampSeconds: time, image: buffer)
    }
}
