public import Enpire

/// A simulated side camera over the pin-insertion station: each frame renders the state the provider returns
/// with a ``PinInsertionRenderer``.
///
/// For example `PinInsertionCamera(noise: PinInsertionRenderer.realisticNoise(seed: 3), clock: clock) { await
/// world.state }`.
public actor PinInsertionCamera: Camera {
    /// Camera name within the station.
    public nonisolated let name: String
    /// Size of the frames.
    public nonisolated let resolution: ImageSize
    /// Realism settings (pose error, lighting, sensor noise).
    public nonisolated let noise: CameraNoise
    private let stateProvider: @Sendable () async throws -> PinInsertionState
    private let timestamp: @Sendable () -> Double
    private var renderer: PinInsertionRenderer
    private var buffer: RGBImage
    private var framesRendered: UInt64 = 0

    /// Creates a camera whose frames are stamped with `clock`'s time.
    ///
    /// - Throws: ``PushTRenderingError`` for an invalid resolution or noise setting.
    public init(
        name: String = "side",
        resolution: ImageSize = PinInsertionRenderer.defaultSize,
        noise: CameraNoise = .none,
        clock: any StationClock,
        state: @escaping @Sendable () async throws -> PinInsertionState
    ) throws(PushTRenderingError) {
        self.name = name
        self.resolution = resolution
        self.noise = noise
        renderer = try PinInsertionRenderer(outputSize: resolution, noise: noise)
        buffer = RGBImage(size: resolution)
        timestamp = { clock.now() }
        stateProvider = state
    }

    /// Reads the scene, renders it and returns the frame (stamped when the state was read).
    public func latestFrame() async throws -> Frame {
        let state = try await stateProvider()
        let time = timestamp()
        renderer.render(state, into: &buffer, frameIndex: framesRendered)
        framesRendered &+= 1
        return Frame(cameraName: name, timestampSeconds: time, image: buffer)
    }
}
