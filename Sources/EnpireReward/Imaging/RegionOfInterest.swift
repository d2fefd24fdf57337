public import Enpire

/// A rectangle of an image, in pixels (x to the right, y down), used to crop or restrict analysis.
public struct RegionOfInterest: Sendable, Codable, Equatable {
    /// Left column.
    public var x: Int
    /// Top row.
    public var y: Int
    /// Width in pixels.
    public var width: Int
    /// Height in pixels.
    public var height: Int

    /// Creates a region.
    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
    }

    /// The whole of an image of `size`.
    public static func whole(_ size: ImageSize) -> RegionOfInterest {
        RegionOfInterest(x: 0, y: 0, width: size.width, height: size.height)
    }

    /// This region clipped to an image of `size` (empty when it lies outside).
    public func clipped(to size: ImageSize) -> RegionOfInterest {
        let left = max(0, min(x, size.width)), top = max(0, min(y, size.height))
        let right = max(left, min(x + max(0, width), size.width))
        let bottom = max(top, min(y + max(0, height), size.height))
        return RegionOfInterest(x: left, y: top, width: right - left, height: bottom - top)
    }

    /// Whether the region holds no pixel.
    public var isEmpty: Bool { width <= 0 || height <= 0 }
}
