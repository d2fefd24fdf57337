public import Enpire

/// A Push-T top camera over a ``PushTWorld`` whose camera departs from its calibration episode by episode (moved,
/// zoomed, exposed differently, as drawn from the world's ``PushTReality``): each frame renders the world's scene
/// with the episode's ``PushTCameraChange`` on top of the camera's own ``CameraNoise``.
public actor PushTRealityCamera: Camera {
    /// Camera name within the station.
    public nonisolated let name: String
    /// Size of the frames.
    public nonisolated var resolution: ImageSize { configuration.outputSize }
    /// The renderer as calibrated (no change applied).
    public nonisolated let configuration: PushTRenderer
    private let world: PushTWorld
    private let clock: any StationClock
    private var renderer: PushTRenderer
    private var buffer: RGBImage
    private var framesRendered: UInt64 = 0

    /// Creates the camera `name` of `resolution` and `noise` over `world`, stamped with `clock`'s time.
    ///
    /// - Throws: ``RenderingError`` for an invalid resolution or noise setting.
    public init(name: String = "top", resolution: ImageSize, noise: CameraNoise = .none, world: PushTWorld,
                clock: any StationClock) throws(RenderingError) {
        let renderer = try PushTRenderer(outputSize: resolution, noise: noise)
        self.name = name
        configuration = renderer
        self.renderer = renderer
        buffer = RGBImage(size: resolution)
        self.world = world
        self.clock = clock
    }

    /// Reads the scene and this episode's camera change, renders and returns the frame.
    public func latestFrame() async throws -> Frame {
        let scene = await world.cameraScene
        let time = clock.now()
        renderer.cameraChange = scene.change
        renderer.render(scene.state, into: &buffer, frameIndex: framesRendered)
        framesRendered &+= 1
        return Frame(cameraName: name, timestampSeconds: time, image: buffer)
    }
}
