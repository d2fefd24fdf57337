/// A snapshot of the zip-tie scene (millimetres, radians).
public struct ZipTieState: Sendable, Codable, Equatable {
    /// Anchor point x, y and tie direction angle.
    public var anchor: [Double]
    /// Free end x, y (the end of the last segment).
    public var freeEnd: [Double]
    /// Cut mark x, y (the joint ``ZipTieGeometry/markJoint``).
    public var mark: [Double]
    /// Direction of the tie at the mark, in radians.
    public var markDirection: Double
    /// Left hand x, y.
    public var leftHand: [Double]
    /// Left gripper opening (0 closed, 1 open).
    public var leftGripper: Double
    /// Whether the left gripper holds the free end.
    public var grasped: Bool
    /// Cutter x, y, angle (blade along the cutter's local x axis).
    public var cutter: [Double]
    /// Cutter jaw opening (0 closed, 1 open).
    public var jawOpening: Double
    /// Free-end distance from the anchor divided by the tie length.
    public var stretch: Double
    /// Pull of the left gripper on the free end (grasp spring force), in newtons; 0 when not grasped.
    public var tension: Double
    /// Whether the tie has been cut.
    public var cut: Bool
    /// Distance from the mark to the blade line when it was cut, in mm (`nil` before a cut).
    public var cutOffset: Double?
    /// Whether the tie was tensioned when it was cut.
    public var cutWhileTensioned: Bool
    /// Jaw closures that did not cut.
    public var missedClosures: Int
}
