/// Width and height of an image in pixels.
public struct ImageSize: Sendable, Codable, Equatable, Hashable, CustomStringConvertible {
    /// Width in pixels.
    public var width: Int
    /// Height in pixels.
    public var height: Int

    /// Creates a size.
    public init(width: Int, height: Int) {
        self.width = width
        self.height = height
    }

    /// `"640x480"`.
    public var description: String { "\(width)x\(height)" }
}
