public import Enpire
import Foundation

/// Draws a ``PushTState`` the way gym-pusht does, directly at the output resolution, anti-aliased.
///
/// The picture is gym-pusht's 512 x 512 scene (white arena, LightGreen goal T, slate T block with a 4-pixel
/// outline, royal-blue agent disc, light-gray walls). The square world keeps its aspect ratio: it is scaled to
/// the shorter image side and centred, and the margins show a neutral table colour, as a top-down camera above
/// a square arena would see it. Shapes are rasterised with exact horizontal coverage on 4 sample lines per pixel
/// row, so a 96 x 96 output looks like gym-pusht's 512 -> 96 bilinear resize. ``CameraNoise`` adds a seeded
/// camera pose error, uneven lighting and sensor noise. After the first frame, rendering allocates nothing.
public struct PushTRenderer: SceneRenderer {
    /// Colour outside the 512 x 512 arena (non-square outputs, shifted or rotated views).
    public static let tableColor: (UInt8, UInt8, UInt8) = (128, 128, 128)

    /// Size of the images this renderer produces.
    public var outputSize: ImageSize { canvas.outputSize }
    /// Camera realism settings.
    public var noise: CameraNoise { canvas.noise }
    /// The pose and lighting deviations drawn from ``noise``.
    public var perturbation: CameraPerturbation { canvas.perturbation }
    /// Whether the goal T is drawn (gym-pusht draws it).
    public var drawGoal: Bool
    /// Map from world pixels (gym-pusht's 512 frame) to continuous image coordinates (pixel `i` spans `[i, i+1)`).
    private(set) var view: AffineTransform2D
    private var canvas: SceneCanvas
    /// The pose and lighting drawn from ``noise``, before any ``cameraChange``.
    private let calibratedPerturbation: CameraPerturbation
    /// How the camera departs from its calibration (moved, zoomed, exposed): identity unless set.
    public var cameraChange = PushTCameraChange() {
        didSet {
            guard cameraChange != oldValue else { return }
            canvas.perturbation = cameraChange.applied(to: calibratedPerturbation)
            view = Self.viewTransform(outputSize: outputSize, perturbation: canvas.perturbation)
        }
    }

    /// The largest width or height accepted.
    public static let maxDimension = 8192

    /// Creates a renderer for images of `outputSize`.
    ///
    /// - Throws: ``RenderingError`` when the size is not between 1 and ``maxDimension`` on each side or a
    ///   noise amplitude is out of range.
    public init(outputSize: ImageSize, noise: CameraNoise = .none, drawGoal: Bool = true) throws(RenderingError) {
        canvas = try SceneCanvas(renderer: "PushTRenderer", outputSize: outputSize, sides: 1...Self.maxDimension,
                                 noise: noise)
        self.drawGoal = drawGoal
        calibratedPerturbation = canvas.perturbation
        self.view = Self.viewTransform(outputSize: outputSize, perturbation: canvas.perturbation)
    }

    /// World-to-image map: centre on centre, shorter side spans the world, then the camera's pose error.
    ///
    /// gym-pusht draws a world point (x, y) at the centre of its 512-pixel (x, y), so a half pixel is added first.
    static func viewTransform(outputSize: ImageSize, perturbation: CameraPerturbation) -> AffineTransform2D {
        let world = PushTGeometry.worldSize
        let baseScale = Double(min(outputSize.width, outputSize.height)) / world
        let toCentre = AffineTransform2D(a: 1, b: 0, c: 0, d: 1, tx: 0.5 - world / 2, ty: 0.5 - world / 2)
        let cosine = cos(perturbation.rotationRadians), sine = sin(perturbation.rotationRadians)
        let scale = baseScale * perturbation.scale
        let camera = AffineTransform2D(
            a: scale * cosine, b: -scale * sine, c: scale * sine, d: scale * cosine,
            tx: Double(outputSize.width) / 2 + perturbation.translationX * baseScale,
            ty: Double(outputSize.height) / 2 + perturbation.translationY * baseScale)
        return camera.concatenating(toCentre)
    }

    /// Where a world point (gym-pusht pixels) lands in the image, in continuous pixel coordinates.
    public func imagePoint(worldX: Double, worldY: Double) -> (x: Double, y: Double) {
        view.apply(worldX, worldY)
    }

    /// Renders `state` into `image`, reusing its buffer (replaced only if its size differs from ``outputSize``).
    ///
    /// `frameIndex` selects the sensor noise draw, so consecutive frames of one camera differ like a real sensor's
    /// while every run with the same seed reproduces them.
    public mutating func render(_ state: PushTState, into image: inout RGBImage, frameIndex: UInt64 = 0) {
        buildScene(state)
        canvas.write(into: &image, background: Self.tableColor, frameIndex: frameIndex)
    }

    /// Lists the layers in gym-pusht's drawing order: arena, goal, block bar and stem (outline then fill), agent,
    /// walls.
    private mutating func buildScene(_ state: PushTState) {
        canvas.rasterizer.removeAllLayers()
        let view = self.view
        canvas.rasterizer.beginLayer(PushTPalette.background)
        canvas.rasterizer.addPolygon(PushTShapes.world, view)
        if drawGoal {
            let goal = view.concatenating(.rigid(
                angle: PushTGeometry.goalPose.angle, x: PushTGeometry.goalPose.x, y: PushTGeometry.goalPose.y))
            canvas.rasterizer.beginLayer(PushTPalette.goal)
            canvas.rasterizer.addPolygon(PushTGeometry.barVertices, goal)
            canvas.rasterizer.addPolygon(PushTGeometry.stemVertices, goal)
        }
        let block = view.concatenating(.rigid(angle: state.blockAngle, x: state.blockX, y: state.blockY))
        canvas.rasterizer.beginLayer(PushTPalette.blockOutline)
        canvas.rasterizer.addPolygon(PushTShapes.barOuter, block)
        canvas.rasterizer.beginLayer(PushTPalette.blockFill)
        canvas.rasterizer.addPolygon(PushTShapes.barInner, block)
        canvas.rasterizer.beginLayer(PushTPalette.blockOutline)
        canvas.rasterizer.addPolygon(PushTShapes.stemOuter, block)
        canvas.rasterizer.beginLayer(PushTPalette.blockFill)
        canvas.rasterizer.addPolygon(PushTShapes.stemInner, block)
        let (agentX, agentY) = view.apply(state.agentX, state.agentY)
        let scale = view.scale
        canvas.rasterizer.beginLayer(PushTPalette.agentRing)
        canvas.rasterizer.addDisc(centerX: agentX, centerY: agentY, radius: PushTGeometry.agentRadius * scale)
        canvas.rasterizer.beginLayer(PushTPalette.agentCenter)
        canvas.rasterizer.addDisc(centerX: agentX, centerY: agentY, radius: PushTShapes.agentCenterRadius * scale)
        // One layer per wall keeps each layer's bounding box tight (a shared one would span the whole image).
        for wall in PushTShapes.walls {
            canvas.rasterizer.beginLayer(PushTPalette.wall)
            canvas.rasterizer.addPolygon(wall, view)
        }
    }
}
