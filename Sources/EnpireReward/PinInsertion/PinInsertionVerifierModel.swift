public import Enpire
import Foundation

/// Everything the pin-insertion camera verifier assumes about the station: the side camera, the fixture's
/// fiducials and known part sizes, and the success thresholds (the task's rule: tip 20 mm in, within the 0.5 mm
/// clearance and 0.05 rad of the hole axis, |F| ≤ 3 N for 5 steps).
///
/// The numbers describe the simulated station's fixture by default; a lab enters its own measured values.
public struct PinInsertionVerifierModel: Sendable, Codable, Equatable {
    /// Name of the side camera.
    public var cameraName = "side"
    /// Resolution the camera delivers.
    public var resolution = ImageSize(width: 640, height: 480)
    /// Fiducial centres on the back plate, world millimetres (x, y up), as `[x, y]` pairs.
    public var fiducials: [[Double]] = [[-37, 22], [37, 22], [-37, 8], [37, 8]]
    /// Fiducial radius in millimetres.
    public var fiducialRadius = 1.2
    /// Nominal camera framing used only to place search windows: pixels per millimetre.
    public var nominalPixelsPerMillimetre = 7.5
    /// Nominal world point at the image centre (x, y in mm).
    public var nominalCentre: [Double] = [0, -4]
    /// Half-size of each fiducial's search window, in pixels.
    public var fiducialSearchPixels = 40
    /// Pin width in millimetres.
    public var pinWidth = 8.0
    /// Hole width in millimetres.
    public var holeWidth = 8.5
    /// Hole depth in millimetres.
    public var holeDepth = 30.0
    /// Distance from the hand (grasp point) to the pin tip along the pin axis, in millimetres.
    public var handToTip = 32.0
    /// Insertion depth that counts as inserted, in millimetres.
    public var successDepth = 20.0
    /// Largest lateral offset of the tip from the hole axis, in millimetres.
    public var lateralTolerance = 0.5
    /// Largest pin-to-hole angle difference, in radians.
    public var angleTolerance = 0.05
    /// Largest force magnitude that counts as released, in newtons.
    public var forceBound = 3.0
    /// Consecutive low-force steps a success needs.
    public var settledSteps = 5
    /// Distance to a threshold within which a vote's status is `boundary`, as a share of the tolerance.
    public var boundaryShare = 0.05

    /// The default model (the simulated station's fixture).
    public init() {}

    /// A stable description of every number, part of a frozen evaluation's hash.
    public var identity: String { stableIdentity("pin.camera-verifier/v1") }
}
