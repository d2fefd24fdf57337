public import Enpire

/// Draws a simulated scene into an RGB image the way one camera sees it, with that camera's ``CameraNoise``
/// (pose error, lighting, sensor grain). ``SimulatedCamera`` turns any scene renderer into a `Camera`.
///
/// Conforming renderers: ``PushTRenderer``, ``PinInsertionRenderer``, ``ZipTieRenderer``.
public protocol SceneRenderer: Sendable {
    /// What is drawn (a task's state or scene).
    associatedtype Scene: Sendable
    /// Size of the images this renderer produces.
    var outputSize: ImageSize { get }
    /// Camera realism settings.
    var noise: CameraNoise { get }
    /// Renders `scene` into `image`, reusing its buffer (replaced only when its size differs from
    /// ``outputSize``). `frameIndex` selects the sensor-noise draw, so consecutive frames of one camera differ
    /// like a real sensor's while every run with the same seed reproduces them.
    mutating func render(_ scene: Scene, into image: inout RGBImage, frameIndex: UInt64)
}

extension SceneRenderer {
    /// Renders `scene` into a new image.
    public mutating func render(_ scene: Scene, frameIndex: UInt64 = 0) -> RGBImage {
        var image = RGBImage(size: outputSize)
        render(scene, into: &image, frameIndex: frameIndex)
        return image
    }
}

/// What the scene renderers share: the checked output size, the noise and the perturbation drawn from it, the
/// anti-aliased rasterizer the scene's layers go into, and the lighting stage applied while writing pixels.
struct SceneCanvas: Sendable {
    let outputSize: ImageSize
    let noise: CameraNoise
    var perturbation: CameraPerturbation
    var rasterizer: CoverageRasterizer

    /// Checks `outputSize` against `sides` (per side) and the noise; `renderer` names the renderer in messages.
    init(renderer: String, outputSize: ImageSize, sides: ClosedRange<Int>, noise: CameraNoise)
        throws(RenderingError) {
        guard sides.contains(outputSize.width), sides.contains(outputSize.height) else {
            throw .invalidSize("\(renderer) output size \(outputSize) is invalid; use \(sides) per side")
        }
        try noise.validate()
        self.outputSize = outputSize
        self.noise = noise
        perturbation = noise.perturbation()
        rasterizer = CoverageRasterizer(width: outputSize.width, height: outputSize.height)
    }

    /// Writes the composed layers into `image` over `background`, through the lighting of frame `frameIndex`.
    mutating func write(into image: inout RGBImage, background: (UInt8, UInt8, UInt8), frameIndex: UInt64) {
        var lighting = LightingStage(perturbation: perturbation, outputSize: outputSize, noise: noise,
                                     frameIndex: frameIndex)
        rasterizer.write(into: &image, background: background, lighting: &lighting)
    }
}
