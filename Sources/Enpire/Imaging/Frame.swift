/// One camera frame: decoded pixels, JPEG bytes, or both.
public struct Frame: Sendable {
    /// Name of the camera that produced the frame.
    public var cameraName: String
    /// Capture time on the station clock, in seconds.
    public var timestampSeconds: Double
    /// Decoded pixels, when available.
    public var image: RGBImage?
    /// JPEG-compressed bytes, when available (hardware cameras often deliver only these).
    public var jpeg: [UInt8]?

    /// Creates a frame; at least one of `image` and `jpeg` should be set.
    public init(cameraName: String, timestampSeconds: Double, image: RGBImage? = nil, jpeg: [UInt8]? = nil) {
        self.cameraName = cameraName
        self.timestampSeconds = timestampSeconds
        self.image = image
        self.jpeg = jpeg
    }
}
