public import Enpire
import Foundation

/// Draws the zip-tie station as one of two fixed cameras sees it: the tie as a chain of segments (yellow, with
/// the red cut mark painted 4 mm either side of the mark joint), the anchor clamp, the left gripper and the
/// cutter, anti-aliased, with optional ``CameraNoise``.
///
/// Every segment is drawn at its own pose, so a tie cut at the mark shows as two separate pieces with flat ends,
/// each carrying half of the mark. After the first frame, rendering allocates nothing.
public struct ZipTieRenderer: SceneRenderer {
    /// Which of the station's two cameras.
    public enum View: String, Sendable, Codable, CaseIterable {
        /// Straight above the table, 2.5 px/mm.
        case top
        /// Tilted (foreshortened by cos 40°) and turned 0.6 rad, from the other side of the table.
        case oblique
    }

    /// Table colour (what lies outside every shape).
    public static let tableColor: (UInt8, UInt8, UInt8) = (150, 152, 148)
    /// Tie colour.
    public static let tieColor: (UInt8, UInt8, UInt8) = (225, 195, 45)
    /// Cut-mark colour.
    public static let markColor: (UInt8, UInt8, UInt8) = (205, 35, 35)
    /// Anchor clamp colour.
    public static let clampColor: (UInt8, UInt8, UInt8) = (60, 60, 64)
    /// Left gripper colour.
    public static let gripperColor: (UInt8, UInt8, UInt8) = (50, 90, 205)
    /// Cutter jaw colour.
    public static let jawColor: (UInt8, UInt8, UInt8) = (30, 30, 34)
    /// Cutter body colour.
    public static let cutterBodyColor: (UInt8, UInt8, UInt8) = (60, 110, 200)
    /// Fiducial dot colour (magenta, as on the pin-insertion back plate).
    public static let fiducialColor: (UInt8, UInt8, UInt8) = (210, 40, 190)
    /// Fiducial dot centres on the table, world millimetres (x, y up): four markers near the corners of both
    /// views, outside the reach of the tie, so a camera can be calibrated in every frame (pixels to millimetres).
    public static let fiducials: [(x: Double, y: Double)] = [(-45, 80), (165, 80), (-45, -80), (165, -80)]
    /// Fiducial dot radius in millimetres.
    public static let fiducialRadius = 2.0
    /// Tie width in millimetres.
    public static let tieWidth = 4.5
    /// Length of the painted mark on each side of the mark joint, in millimetres.
    public static let markHalfLength = 4.0
    /// Default image size.
    public static let defaultSize = ImageSize(width: 640, height: 480)

    /// The camera this renderer draws.
    public let view: View
    /// Size of the images this renderer produces.
    public var outputSize: ImageSize { canvas.outputSize }
    /// Camera realism settings (translation amplitudes are in output pixels).
    public var noise: CameraNoise { canvas.noise }
    /// The pose and lighting deviations drawn from ``noise``.
    public var perturbation: CameraPerturbation { canvas.perturbation }
    let transform: AffineTransform2D
    private var canvas: SceneCanvas
    private var vertices: [(x: Double, y: Double)] = []
    private let markJoint: Int

    /// A plausible real camera: a few pixels and a degree or two off, uneven light, sensor grain.
    public static func realisticNoise(seed: UInt64) -> CameraNoise {
        CameraNoise(seed: seed, maxTranslationPixels: 8, maxRotationRadians: 0.04, maxScaleChange: 0.04,
                    maxBrightnessLevels: 20, maxContrastChange: 0.15, maxColorCast: 0.08, maxGradient: 0.15,
                    sensorNoiseLevels: 4)
    }

    /// Creates a renderer for `view`.
    ///
    /// - Throws: ``RenderingError`` for a size outside 64...4096 per side or an invalid noise setting.
    public init(view: View, outputSize: ImageSize = ZipTieRenderer.defaultSize, noise: CameraNoise = .none)
        throws(RenderingError) {
        canvas = try SceneCanvas(renderer: "ZipTieRenderer", outputSize: outputSize, sides: 64...4096, noise: noise)
        let perturbation = canvas.perturbation
        self.view = view
        markJoint = ZipTieGeometry.markJoint
        // Both framings cover the tie's reach (anchor ±30 mm, ±30°, 123 mm pulled) plus a margin, at 640 x 480.
        let base = Double(outputSize.width) / 640
        switch view {
        case .top:
            transform = PlanarCameraView.transform(
                outputSize: outputSize, pixelsPerMillimetre: 2.5 * base, centre: (60, 0), perturbation: perturbation)
        case .oblique:
            transform = PlanarCameraView.transform(
                outputSize: outputSize, pixelsPerMillimetre: 2.7 * base, centre: (60, 0), viewAngle: 2.6,
                foreshortening: cos(40 * Double.pi / 180), perturbation: perturbation)
        }
        vertices.reserveCapacity(32)
    }

    /// Where a world point (mm, y up) lands in the image, in continuous pixel coordinates (y down).
    public func imagePoint(x: Double, y: Double) -> (x: Double, y: Double) {
        transform.apply(x, y)
    }

    /// Renders `scene` into `image`, reusing its buffer (replaced only when its size differs).
    ///
    /// `frameIndex` selects the sensor-noise draw.
    public mutating func render(_ scene: ZipTieScene, into image: inout RGBImage, frameIndex: UInt64 = 0) {
        buildScene(scene)
        canvas.write(into: &image, background: Self.tableColor, frameIndex: frameIndex)
    }

    /// Adds a 12-sided disc of radius `r` about world point (x, y) (an ellipse in the oblique view).
    private mutating func joint(_ x: Double, _ y: Double, radius r: Double) {
        vertices.removeAll(keepingCapacity: true)
        for i in 0..<12 {
            let a = 2 * Double.pi * Double(i) / 12
            vertices.append((x + r * cos(a), y + r * sin(a)))
        }
        canvas.rasterizer.addPolygon(vertices, transform)
    }

    /// World position of the joint between segments `index - 1` and `index` (the end of segment `index - 1`).
    private func jointPoint(_ scene: ZipTieScene, _ index: Int) -> (x: Double, y: Double) {
        let half = ZipTieGeometry.segmentLength / 2
        let x = scene.segments[3 * (index - 1)], y = scene.segments[3 * (index - 1) + 1]
        let a = scene.segments[3 * (index - 1) + 2]
        return (x + half * cos(a), y + half * sin(a))
    }

    /// Painter's order: table fiducials, tie, mark, clamp, left gripper, cutter (the tools are above the tie).
    ///
    /// Segments are flat-ended strips; a disc fills every intact joint, so a bent tie stays continuous while a
    /// cut joint shows two flat ends exactly as far apart as the pieces are.
    private mutating func buildScene(_ scene: ZipTieScene) {
        canvas.rasterizer.removeAllLayers()
        canvas.rasterizer.beginLayer(Self.fiducialColor)
        for dot in Self.fiducials { joint(dot.x, dot.y, radius: Self.fiducialRadius) }
        let half = ZipTieGeometry.segmentLength / 2, r = Self.tieWidth / 2
        let count = scene.segmentCount
        let markJoint = (markJoint > 0 && markJoint < count) ? markJoint : -1
        for index in 0..<count {
            // Six shapes per layer keeps every layer within the rasteriser's primitive budget.
            if index % 6 == 0 { canvas.rasterizer.beginLayer(Self.tieColor) }
            canvas.rasterizer.addBox(-half, -r, half, r, segmentFrame(scene, index))
        }
        var jointsInLayer = 6
        for index in 1..<max(count, 1) where index != markJoint {
            if jointsInLayer == 6 {
                canvas.rasterizer.beginLayer(Self.tieColor)
                jointsInLayer = 0
            }
            let point = jointPoint(scene, index)
            joint(point.x, point.y, radius: r)
            jointsInLayer += 1
        }
        if markJoint > 0 {
            canvas.rasterizer.beginLayer(Self.markColor)
            canvas.rasterizer.addBox(half - Self.markHalfLength, -r, half, r, segmentFrame(scene, markJoint - 1))
            canvas.rasterizer.addBox(-half, -r, -half + Self.markHalfLength, r, segmentFrame(scene, markJoint))
            if !scene.isCut {
                let point = jointPoint(scene, markJoint)
                joint(point.x, point.y, radius: r)
            }
        }
        let anchor = transform.concatenating(.rigid(angle: scene.anchor[2], x: scene.anchor[0], y: scene.anchor[1]))
        canvas.rasterizer.beginLayer(Self.clampColor)
        canvas.rasterizer.addBox(-14, -8, 4, 8, anchor)

        // Left gripper: wrist towards +y on the table, two fingers opening across x.
        let hand = transform.concatenating(.rigid(angle: 0, x: scene.leftHand[0], y: scene.leftHand[1]))
        let spread = 2.5 + 5 * min(max(scene.leftGripper, 0), 1)
        canvas.rasterizer.beginLayer(Self.gripperColor)
        canvas.rasterizer.addBox(-spread - 3, -4, -spread, 5, hand)
        canvas.rasterizer.addBox(spread, -4, spread + 3, 5, hand)
        canvas.rasterizer.addBox(-spread - 3, 5, spread + 3, 10, hand)
        canvas.rasterizer.addBox(-4, 10, 4, 45, hand)

        // Cutter: blade along local x, jaws either side of it, body behind the jaws along −x.
        let cutter = transform.concatenating(.rigid(angle: scene.cutter[2], x: scene.cutter[0], y: scene.cutter[1]))
        let gap = 0.5 + 8 * min(max(scene.jawOpening, 0), 1)
        canvas.rasterizer.beginLayer(Self.jawColor)
        canvas.rasterizer.addBox(-10, gap / 2, 10, gap / 2 + 3, cutter)
        canvas.rasterizer.addBox(-10, -gap / 2 - 3, 10, -gap / 2, cutter)
        canvas.rasterizer.addBox(-14, -gap / 2 - 3, -10, gap / 2 + 3, cutter)
        canvas.rasterizer.beginLayer(Self.cutterBodyColor)
        canvas.rasterizer.addBox(-70, -5, -14, 5, cutter)
    }

    private func segmentFrame(_ scene: ZipTieScene, _ index: Int) -> AffineTransform2D {
        transform.concatenating(.rigid(angle: scene.segments[3 * index + 2], x: scene.segments[3 * index],
                                       y: scene.segments[3 * index + 1]))
    }
}
