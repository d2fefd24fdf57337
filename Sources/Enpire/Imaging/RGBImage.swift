/// An 8-bit RGB image, rows top to bottom, pixels interleaved `r, g, b`.
public struct RGBImage: Sendable, Equatable {
    /// Size of the image.
    public var size: ImageSize
    /// `size.width * size.height * 3` bytes.
    public var pixels: [UInt8]

    /// Creates an image from interleaved RGB bytes; the byte count must match the size.
    public init(size: ImageSize, pixels: [UInt8]) {
        precondition(pixels.count == size.width * size.height * 3,
                     "RGBImage: \(pixels.count) bytes do not fit \(size) (need \(size.width * size.height * 3))")
        self.size = size
        self.pixels = pixels
    }

    /// A blank image filled with one colour.
    public init(size: ImageSize, fill: (UInt8, UInt8, UInt8) = (0, 0, 0)) {
        self.size = size
        var bytes = [UInt8](repeating: 0, count: size.width * size.height * 3)
        for i in stride(from: 0, to: bytes.count, by: 3) {
            bytes[i] = fill.0
            bytes[i + 1] = fill.1
            bytes[i + 2] = fill.2
        }
        self.pixels = bytes
    }
}
