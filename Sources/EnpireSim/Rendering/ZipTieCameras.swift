public import Enpire

/// One simulated camera of the zip-tie station: each frame renders the scene the provider returns with a
/// ``ZipTieRenderer`` for its view.
public actor ZipTieCamera: Camera {
    /// Camera name within the station (the view's name by default).
    public nonisolated let name: String
    /// Size of the frames.
    public nonisolated let resolution: ImageSize
    /// Which view this camera has.
    public nonisolated let view: ZipTieRenderer.View
    private let sceneProvider: @Sendable () async throws -> ZipTieScene
    private let timestamp: @Sendable () -> Double
    private var renderer: ZipTieRenderer
    private var buffer: RGBImage
    private var framesRendered: UInt64 = 0

    /// Creates a camera whose frames are stamped with `clock`'s time.
    ///
    /// - Throws: ``PushTRenderingError`` for an invalid resolution or noise setting.
    public init(view: ZipTieRenderer.View, name: String? = nil, resolution: ImageSize = ZipTieRenderer.defaultSize,
                noise: CameraNoise = .none, clock: any StationClock,
                scene: @escaping @Sendable () async throws -> ZipTieScene) throws(PushTRenderingError) {
        self.name = name ?? view.rawValue
        self.resolution = resolution
        self.view = view
        renderer = try ZipTieRenderer(view: view, outputSize: resolution, noise: noise)
        buffer = RGBImage(size: resolution)
        timestamp = { clock.now() }
        sceneProvider = scene
    }

    /// Reads the scene, renders it and returns the frame (stamped when the scene was read).
    public func latestFrame() async throws -> Frame {
        let scene = try await sceneProvider()
        let time = timestamp()
        renderer.render(scene, into: &buffer, frameIndex: framesRendered)
        framesRendered &+= 1
        return Frame(cameraName: name, timestampSeconds: time, image: buffer)
    }
}

/// The zip-tie station's two cameras over one world: ``ZipTieRenderer/View/top`` and
/// ``ZipTieRenderer/View/oblique``, each with its own noise seed (two mounted cameras in one room).
public enum ZipTieCameras {
    /// Both cameras, top first; `noiseSeed` seeds the top camera and `noiseSeed + 1` the oblique one.
    ///
    /// - Throws: ``PushTRenderingError`` for an invalid resolution.
    public static func make(world: ZipTieWorld, clock: any StationClock, realistic: Bool = true,
                            noiseSeed: UInt64 = 0, resolution: ImageSize = ZipTieRenderer.defaultSize)
        throws(PushTRenderingError) -> [ZipTieCamera] {
        var cameras: [ZipTieCamera] = []
        for (offset, view) in ZipTieRenderer.View.allCases.enumerated() {
            let noise = realistic ? ZipTieRenderer.realisticNoise(seed: noiseSeed &+ UInt64(offset)) : .none
            cameras.append(try ZipTieCamera(view: view, resolution: resolution, noise: noise, clock: clock) {
                await world.scene
            })
        }
        return cameras
    }
}
