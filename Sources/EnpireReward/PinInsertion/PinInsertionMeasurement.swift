import Foundation

/// What the pin-insertion frame analyzer measured in one side-camera frame, in world millimetres and radians
/// (y up), through the fiducials' pixel-to-millimetre map.
public struct PinInsertionMeasurement: Sendable, Equatable, Codable {
    /// Hole mouth centre (where the hole axis meets the block's top face), x and y in mm.
    public var mouth: [Double]
    /// Hole axis angle (0 = vertical), radians.
    public var holeAngle: Double
    /// A point on the pin axis (at the mouth's image row), x and y in mm.
    public var pinAxisPoint: [Double]
    /// Pin axis angle (0 = vertical, tip down), radians.
    public var pinAngle: Double
    /// Measured pin width in mm (a check of the map and the mask).
    public var pinWidth: Double
    /// Measured hole width in mm.
    public var holeWidth: Double
    /// Fiducials found (of the model's).
    public var fiducialsFound: Int
    /// Pixels per millimetre of the fitted map.
    public var pixelsPerMillimetre: Double

    /// Creates a measurement.
    public init(mouth: [Double], holeAngle: Double, pinAxisPoint: [Double], pinAngle: Double, pinWidth: Double,
                holeWidth: Double, fiducialsFound: Int, pixelsPerMillimetre: Double) {
        self.mouth = mouth
        self.holeAngle = holeAngle
        self.pinAxisPoint = pinAxisPoint
        self.pinAngle = pinAngle
        self.pinWidth = pinWidth
        self.holeWidth = holeWidth
        self.fiducialsFound = fiducialsFound
        self.pixelsPerMillimetre = pixelsPerMillimetre
    }

    /// Pin-tip insertion depth along the hole axis implied by a hand pose [x, y, angle] and a rigid grasp
    /// `handToTip` mm above the tip (negative above the mouth).
    public func depth(handPose: [Double], handToTip: Double) -> Double {
        let tipX = handPose[0] + handToTip * sin(handPose[2]), tipY = handPose[1] - handToTip * cos(handPose[2])
        return (tipX - mouth[0]) * sin(holeAngle) - (tipY - mouth[1]) * cos(holeAngle)
    }

    /// Offset of the pin axis from the hole axis, across the hole, at insertion depth `depth` (mm).
    public func lateralOffset(atDepth depth: Double) -> Double {
        let down = (x: sin(holeAngle), y: -cos(holeAngle)), across = (x: cos(holeAngle), y: sin(holeAngle))
        let pinDown = (x: sin(pinAngle), y: -cos(pinAngle))
        let px = pinAxisPoint[0] - mouth[0], py = pinAxisPoint[1] - mouth[1]
        let along = pinDown.x * down.x + pinDown.y * down.y
        let t = (depth - (px * down.x + py * down.y)) / max(along, 1e-6)
        return (px + t * pinDown.x) * across.x + (py + t * pinDown.y) * across.y
    }

    /// Pin angle minus hole angle, radians.
    public var angleError: Double { pinAngle - holeAngle }
}
