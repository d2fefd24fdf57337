public import Enpire

/// A simulated camera over any ``SceneRenderer``: each frame renders the scene the provider returns, stamped
/// when the scene was read, with the frame counter selecting the sensor-noise draw.
///
/// The physics side hands in its scene, for example
/// `SimulatedCamera(name: "side", renderer: try PinInsertionRenderer(), clock: clock) { await world.state }`.
/// The tasks' cameras are this type: ``PushTCamera``, ``PinInsertionCamera``, ``ZipTieCamera``.
public actor SimulatedCamera<Renderer: SceneRenderer>: Camera {
    /// Camera name within the station.
    public nonisolated let name: String
    /// Size of the frames.
    public nonisolated var resolution: ImageSize { configuration.outputSize }
    /// Realism settings (pose error, lighting, sensor noise).
    public nonisolated var noise: CameraNoise { configuration.noise }
    /// The renderer as configured (frames are drawn by the camera's own working copy).
    public nonisolated let configuration: Renderer
    private let sceneProvider: @Sendable () async throws -> Renderer.Scene
    private let timestamp: @Sendable () -> Double
    private var renderer: Renderer
    private var buffer: RGBImage
    private var framesRendered: UInt64 = 0

    /// Creates a camera whose frames are stamped by `timestamp` (seconds on the station clock).
    public init(name: String, renderer: Renderer, timestamp: @escaping @Sendable () -> Double,
                scene: @escaping @Sendable () async throws -> Renderer.Scene) {
        self.name = name
        configuration = renderer
        self.renderer = renderer
        buffer = RGBImage(size: renderer.outputSize)
        self.timestamp = timestamp
        sceneProvider = scene
    }

    /// Creates a camera whose frames are stamped with `clock`'s time.
    public init(name: String, renderer: Renderer, clock: any StationClock,
                scene: @escaping @Sendable () async throws -> Renderer.Scene) {
        self.init(name: name, renderer: renderer, timestamp: { clock.now() }, scene: scene)
    }

    /// Reads the scene, renders it and returns the frame (stamped when the scene was read).
    ///
    /// The render reuses this camera's buffer; a frame still held by the caller keeps its own copy.
    public func latestFrame() async throws -> Frame {
        let scene = try await sceneProvider()
        let time = timestamp()
        renderer.render(scene, into: &buffer, frameIndex: framesRendered)
        framesRendered &+= 1
        return Frame(cameraName: name, timestampSeconds: time, image: buffer)
    }
}

/// The simulated top-down Push-T camera.
public typealias PushTCamera = SimulatedCamera<PushTRenderer>
/// The simulated side camera of the pin-insertion station.
public typealias PinInsertionCamera = SimulatedCamera<PinInsertionRenderer>
/// One simulated camera of the zip-tie station.
public typealias ZipTieCamera = SimulatedCamera<ZipTieRenderer>

extension SimulatedCamera where Renderer == PushTRenderer {
    /// Creates a Push-T camera whose frames are stamped by `timestamp`, for example
    /// `PushTCamera(name: "top", timestamp: { clock.now() }) { await world.state }`.
    ///
    /// - Throws: ``RenderingError`` for an invalid resolution or noise setting.
    public init(name: String = "top", resolution: ImageSize = ImageSize(width: 96, height: 96),
                noise: CameraNoise = .none, drawGoal: Bool = true, timestamp: @escaping @Sendable () -> Double,
                state: @escaping @Sendable () async throws -> PushTState) throws(RenderingError) {
        self.init(name: name, renderer: try PushTRenderer(outputSize: resolution, noise: noise, drawGoal: drawGoal),
                  timestamp: timestamp, scene: state)
    }

    /// Creates a Push-T camera whose frames are stamped with `clock`'s time.
    ///
    /// - Throws: ``RenderingError`` for an invalid resolution or noise setting.
    public init(name: String = "top", resolution: ImageSize = ImageSize(width: 96, height: 96),
                noise: CameraNoise = .none, drawGoal: Bool = true, clock: any StationClock,
                state: @escaping @Sendable () async throws -> PushTState) throws(RenderingError) {
        try self.init(name: name, resolution: resolution, noise: noise, drawGoal: drawGoal,
                      timestamp: { clock.now() }, state: state)
    }

    /// Whether the goal T is drawn.
    public nonisolated var drawGoal: Bool { configuration.drawGoal }
}

extension SimulatedCamera where Renderer == PinInsertionRenderer {
    /// Creates the pin-insertion side camera, stamped with `clock`'s time, for example
    /// `PinInsertionCamera(noise: PinInsertionRenderer.realisticNoise(seed: 3), clock: clock) { await world.state }`.
    ///
    /// - Throws: ``RenderingError`` for an invalid resolution or noise setting.
    public init(name: String = "side", resolution: ImageSize = PinInsertionRenderer.defaultSize,
                noise: CameraNoise = .none, clock: any StationClock,
                state: @escaping @Sendable () async throws -> PinInsertionState) throws(RenderingError) {
        self.init(name: name, renderer: try PinInsertionRenderer(outputSize: resolution, noise: noise), clock: clock,
                  scene: state)
    }
}

extension SimulatedCamera where Renderer == ZipTieRenderer {
    /// Creates one zip-tie camera for `view` (named after the view unless `name` is given), stamped with `clock`'s
    /// time.
    ///
    /// - Throws: ``RenderingError`` for an invalid resolution or noise setting.
    public init(view: ZipTieRenderer.View, name: String? = nil, resolution: ImageSize = ZipTieRenderer.defaultSize,
                noise: CameraNoise = .none, clock: any StationClock,
                scene: @escaping @Sendable () async throws -> ZipTieScene) throws(RenderingError) {
        self.init(name: name ?? view.rawValue,
                  renderer: try ZipTieRenderer(view: view, outputSize: resolution, noise: noise), clock: clock,
                  scene: scene)
    }

    /// Which view this camera has.
    public nonisolated var view: ZipTieRenderer.View { configuration.view }
}
