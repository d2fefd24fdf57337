/// A snapshot of the pin-insertion scene (millimetres, radians, newtons; y up).
public struct PinInsertionState: Sendable, Codable, Equatable {
    /// Hand (grasp point) pose: x, y in mm and angle in rad.
    public var hand: [Double]
    /// Hand velocity: x, y in mm/s and angular velocity in rad/s.
    public var handVelocity: [Double]
    /// Pin centre x, y in mm and angle in rad (0 = pin axis vertical, tip down).
    public var pin: [Double]
    /// Hole mouth centre x, y in mm and block angle in rad (ground truth).
    public var hole: [Double]
    /// Contact force the environment exerted on the pin, averaged over the last control period, in newtons.
    public var force: [Double]
    /// Insertion depth of the pin tip below the hole mouth along the hole axis, in mm (negative above it).
    public var depth: Double
    /// Offset of the pin tip from the hole axis across the hole, in mm.
    public var lateralOffset: Double
    /// Pin angle minus hole angle, in rad.
    public var angleError: Double
    /// Contacts the pin currently has.
    public var contactCount: Int

    /// Magnitude of ``force`` in newtons.
    public var forceMagnitude: Double { (force[0] * force[0] + force[1] * force[1]).squareRoot() }
}
