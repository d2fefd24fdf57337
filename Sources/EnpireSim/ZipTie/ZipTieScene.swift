/// What a camera needs to draw the zip-tie station: every tie segment's pose (ground truth of the simulation,
/// which a renderer turns into pixels; verifiers never read it), the anchor clamp and both tools.
public struct ZipTieScene: Sendable, Equatable {
    /// Segment centre x, y (mm) and angle (rad), three values per segment, anchor first.
    public var segments: [Double]
    /// Anchor x, y (mm) and tie direction (rad).
    public var anchor: [Double]
    /// Left hand x, y in mm.
    public var leftHand: [Double]
    /// Left gripper opening (0 closed, 1 open).
    public var leftGripper: Double
    /// Cutter x, y (mm) and angle (rad); the blade runs along the cutter's local x.
    public var cutter: [Double]
    /// Cutter jaw opening (0 closed, 1 open).
    public var jawOpening: Double
    /// Whether the tie has been cut at the mark joint (drawn as two pieces with flat ends there).
    public var isCut: Bool

    /// Creates a scene.
    public init(segments: [Double], anchor: [Double], leftHand: [Double], leftGripper: Double, cutter: [Double],
                jawOpening: Double, isCut: Bool) {
        self.segments = segments
        self.anchor = anchor
        self.leftHand = leftHand
        self.leftGripper = leftGripper
        self.cutter = cutter
        self.jawOpening = jawOpening
        self.isCut = isCut
    }

    /// Number of segments described.
    public var segmentCount: Int { segments.count / 3 }
}
