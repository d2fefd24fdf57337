public import Enpire
import Foundation

/// Draws the pin-insertion scene as a fixed side camera sees it: the block with its hole, the pin, the gripper
/// and four fiducial dots on the back plate, anti-aliased, with optional ``CameraNoise``.
///
/// The camera looks at the plane of the planar simulation through the block's clear front plate (a cut-away
/// view, as insertion rigs are often built for vision), so the hole's slot and the part of the pin inside it are
/// visible. The default framing is 640 x 480 at 7.5 px/mm around the hole mouth (the 0.5 mm clearance spans
/// about 4 px); the fiducials sit at known positions (``fiducials``) so a verifier can map pixels to
/// millimetres in every frame. After the first frame, rendering allocates nothing.
public struct PinInsertionRenderer: SceneRenderer {
    /// Back-plate colour (also what lies outside every shape).
    public static let backgroundColor: (UInt8, UInt8, UInt8) = (205, 208, 212)
    /// Block colour (blue anodised aluminium).
    public static let blockColor: (UInt8, UInt8, UInt8) = (60, 100, 165)
    /// Colour of the slot's back wall seen through the front plate.
    public static let cavityColor: (UInt8, UInt8, UInt8) = (35, 35, 40)
    /// Pin colour (brass).
    public static let pinColor: (UInt8, UInt8, UInt8) = (230, 140, 35)
    /// Gripper finger colour.
    public static let fingerColor: (UInt8, UInt8, UInt8) = (40, 130, 70)
    /// Gripper palm and wrist colour.
    public static let palmColor: (UInt8, UInt8, UInt8) = (80, 80, 85)
    /// Fiducial dot colour.
    public static let fiducialColor: (UInt8, UInt8, UInt8) = (210, 40, 190)
    /// Fiducial dot centres on the back plate, world millimetres (x, y up).
    public static let fiducials: [(x: Double, y: Double)] = [(-37, 22), (37, 22), (-37, 8), (37, 8)]
    /// Fiducial dot radius in millimetres.
    public static let fiducialRadius = 1.2
    /// Default image size.
    public static let defaultSize = ImageSize(width: 640, height: 480)
    /// Default scale of the nominal framing, pixels per millimetre.
    public static let defaultPixelsPerMillimetre = 7.5
    /// World point at the image centre in the nominal framing, millimetres.
    public static let viewCentre = (x: 0.0, y: -4.0)

    /// Size of the images this renderer produces.
    public var outputSize: ImageSize { canvas.outputSize }
    /// Camera realism settings (translation amplitudes are in output pixels).
    public var noise: CameraNoise { canvas.noise }
    /// The pose and lighting deviations drawn from ``noise``.
    public var perturbation: CameraPerturbation { canvas.perturbation }
    /// Nominal scale, pixels per millimetre (before the camera's scale error).
    public let pixelsPerMillimetre: Double
    let view: AffineTransform2D
    private var canvas: SceneCanvas

    /// A plausible real side camera: a few pixels and a degree or two off, uneven light, sensor grain.
    public static func realisticNoise(seed: UInt64) -> CameraNoise {
        CameraNoise(seed: seed, maxTranslationPixels: 6, maxRotationRadians: 0.03, maxScaleChange: 0.03,
                    maxBrightnessLevels: 20, maxContrastChange: 0.15, maxColorCast: 0.08, maxGradient: 0.15,
                    sensorNoiseLevels: 4)
    }

    /// Creates a renderer.
    ///
    /// - Throws: ``RenderingError`` for a size outside 64...4096 per side, a non-positive scale, or an invalid
    ///   noise setting.
    public init(outputSize: ImageSize = PinInsertionRenderer.defaultSize, noise: CameraNoise = .none,
                pixelsPerMillimetre: Double = PinInsertionRenderer.defaultPixelsPerMillimetre)
        throws(RenderingError) {
        guard pixelsPerMillimetre.isFinite, pixelsPerMillimetre > 0 else {
            throw .invalidSize("PinInsertionRenderer scale \(pixelsPerMillimetre) px/mm is invalid; use > 0")
        }
        canvas = try SceneCanvas(renderer: "PinInsertionRenderer", outputSize: outputSize, sides: 64...4096,
                                 noise: noise)
        self.pixelsPerMillimetre = pixelsPerMillimetre
        view = PlanarCameraView.transform(outputSize: outputSize, pixelsPerMillimetre: pixelsPerMillimetre,
                                          centre: Self.viewCentre, perturbation: canvas.perturbation)
    }

    /// Where a world point (mm, y up) lands in the image, in continuous pixel coordinates (y down).
    public func imagePoint(x: Double, y: Double) -> (x: Double, y: Double) {
        view.apply(x, y)
    }

    /// Renders `state` into `image`, reusing its buffer (replaced only when its size differs).
    ///
    /// `frameIndex` selects the sensor-noise draw.
    public mutating func render(_ state: PinInsertionState, into image: inout RGBImage, frameIndex: UInt64 = 0) {
        buildScene(state)
        canvas.write(into: &image, background: Self.backgroundColor, frameIndex: frameIndex)
    }

    /// Painter's order: fiducials and slot on the back plate, block, pin, gripper.
    private mutating func buildScene(_ state: PinInsertionState) {
        let g = PinInsertionGeometry.self
        canvas.rasterizer.removeAllLayers()
        let view = self.view
        canvas.rasterizer.beginLayer(Self.fiducialColor)
        for dot in Self.fiducials {
            let (x, y) = view.apply(dot.x, dot.y)
            canvas.rasterizer.addDisc(centerX: x, centerY: y, radius: Self.fiducialRadius * view.scale)
        }
        let block = view.concatenating(.rigid(angle: state.hole[2], x: state.hole[0], y: state.hole[1]))
        let w = g.holeWidth / 2, bottom = -70.0, side = 90.0
        canvas.rasterizer.beginLayer(Self.cavityColor)
        canvas.rasterizer.addBox(-w, -g.holeDepth, w, 0, block)
        canvas.rasterizer.beginLayer(Self.blockColor)
        canvas.rasterizer.addBox(-w - side, bottom, -w, 0, block)
        canvas.rasterizer.addBox(w, bottom, w + side, 0, block)
        canvas.rasterizer.addBox(-w, bottom, w, -g.holeDepth, block)
        let pin = view.concatenating(.rigid(angle: state.pin[2], x: state.pin[0], y: state.pin[1]))
        canvas.rasterizer.beginLayer(Self.pinColor)
        canvas.rasterizer.addBox(-g.pinWidth / 2, -g.pinLength / 2, g.pinWidth / 2, g.pinLength / 2, pin)
        let hand = view.concatenating(.rigid(angle: state.hand[2], x: state.hand[0], y: state.hand[1]))
        let half = g.pinWidth / 2
        canvas.rasterizer.beginLayer(Self.fingerColor)
        canvas.rasterizer.addBox(-half - 2.5, -6, -half, 6, hand)
        canvas.rasterizer.addBox(half, -6, half + 2.5, 6, hand)
        canvas.rasterizer.beginLayer(Self.palmColor)
        canvas.rasterizer.addBox(-7, 9, 7, 80, hand)
        canvas.rasterizer.addBox(-half - 2.5, 6, half + 2.5, 9.5, hand)
    }
}
