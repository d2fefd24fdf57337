public import Enpire
import Foundation

/// What ``ZipTieSceneEstimator`` measured in one top-camera frame (world millimetres, y up; angles in radians).
public struct ZipTieSceneEstimate: Sendable, Equatable, Codable {
    /// Fiducials used for the pixel-to-millimetre map.
    public var fiducialsFound: Int
    /// Mark centre and the tie's direction there (pointing away from the anchor when the anchor was found);
    /// nil when too little of the mark is visible.
    public var mark: [Double]?
    /// Red mark pixels seen.
    public var markPixels: Int
    /// Anchor point and tie direction at the clamp; nil when the clamp or the tie leaving it is not visible.
    public var anchor: [Double]?
    /// The tie's free end (the far end of the tie along the tie from the clamp); nil without an anchor.
    public var freeEnd: [Double]?
    /// Whether the end of the walk along the tie touches the image border: the tie leaves the view there, so
    /// ``freeEnd`` is only the farthest visible tie pixel (``ZipTieSceneEstimator/obliqueFreeEnd(_:framing:anchor:mark:)``
    /// can locate it in the oblique camera).
    public var freeEndAtImageEdge = false
}

/// The oblique camera's nominal mount, as measured when it was installed: world point at the image centre,
/// scale, turn of the view and foreshortening of the image's vertical axis (a tilted camera). Per frame the
/// estimator registers the camera to the top camera's estimates (a similarity on top of this mount), so small
/// shifts of the camera since installation do not matter.
public struct ZipTieObliqueFraming: Sendable, Equatable, Codable {
    /// Size of the frames.
    public var resolution: ImageSize
    /// Nominal pixels per millimetre.
    public var pixelsPerMillimetre: Double
    /// World point (mm) at the image centre.
    public var centre: [Double]
    /// In-plane turn of the view, radians.
    public var viewAngle: Double
    /// Foreshortening of the image's vertical axis (cosine of the tilt).
    public var foreshortening: Double

    /// The station's oblique camera (`ZipTieRenderer.View.oblique`): 2.7 px/mm around (60, 0), turned 2.6 rad,
    /// tilted 40° (foreshortening cos 40°), 640 x 480.
    public init(resolution: ImageSize = ImageSize(width: 640, height: 480), pixelsPerMillimetre: Double = 2.7,
                centre: [Double] = [60, 0], viewAngle: Double = 2.6,
                foreshortening: Double = 0.766_044_443_118_978) {
        self.resolution = resolution
        self.pixelsPerMillimetre = pixelsPerMillimetre * Double(resolution.width) / 640
        self.centre = centre
        self.viewAngle = viewAngle
        self.foreshortening = foreshortening
    }

    /// Where world point (x, y) lands in the nominal image (pixels, y down).
    public func image(x: Double, y: Double) -> (x: Double, y: Double) {
        let dx = x - centre[0], dy = -(y - centre[1])
        let c = cos(viewAngle), s = sin(viewAngle)
        let u = c * dx - s * dy, v = (s * dx + c * dy) * foreshortening
        return (Double(resolution.width) / 2 + pixelsPerMillimetre * u,
                Double(resolution.height) / 2 + pixelsPerMillimetre * v)
    }

    /// The world point seen at nominal image point (u, v).
    public func world(u: Double, v: Double) -> (x: Double, y: Double) {
        let pu = (u - Double(resolution.width) / 2) / pixelsPerMillimetre
        let pv = (v - Double(resolution.height) / 2) / pixelsPerMillimetre / foreshortening
        let c = cos(viewAngle), s = sin(viewAngle)
        let dx = c * pu + s * pv, dy = -s * pu + c * pv
        return (dx + centre[0], -dy + centre[1])
    }
}
