/// Where a T (block or goal) lies in an image: the body origin in pixels, its angle, and pixels per world unit.
public struct PushTImagePose: Sendable, Codable, Equatable {
    /// Body origin x (the middle of the bar's top edge), in image pixels.
    public var x: Double
    /// Body origin y, in image pixels (y down).
    public var y: Double
    /// Body angle in the image, radians (same sense as gym-pusht's, y down).
    public var angle: Double
    /// Image pixels per world pixel.
    public var scale: Double

    /// Creates a pose.
    public init(x: Double, y: Double, angle: Double, scale: Double) {
        self.x = x
        self.y = y
        self.angle = angle
        self.scale = scale
    }
}
