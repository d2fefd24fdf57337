/// An 8-bit RGB image, rows top to bottom, pixels interleaved `r, g, b`.
public struct RGBImage: Sendable, Equatable {
    /// Size of the image.
    public var size: ImageSize
    /// `size.width * size.height * 3` bytes.
    public var pixels: [UInt8]

    /// Creates an image from interleaved RGB bytes; the byte count should match the size (see ``isConsistent``).
    ///
    /// A mismatch is not a crash: the JPEG encoder and the verifiers refuse such an image with an error, and the
    /// PNG encoder pads or cuts it to its size.
    public init(size: ImageSize, pixels: [UInt8]) {
        self.size = size
        self.pixels = pixels
    }

    /// Whether the size is non-negative and ``pixels`` holds exactly `width × height × 3` bytes.
    public var isConsistent: Bool {
        guard size.width >= 0, size.height >= 0 else { return false }
        let (area, overflow) = size.width.multipliedReportingOverflow(by: size.height)
        return !overflow && area <= Int.max / 3 && pixels.count == area * 3
    }

    /// A blank image filled with one colour (an empty image when a side is negative).
    public init(size: ImageSize, fill: (UInt8, UInt8, UInt8) = (0, 0, 0)) {
        self.size = size
        var bytes = [UInt8](repeating: 0, count: max(size.width, 0) * max(size.height, 0) * 3)
        for i in stride(from: 0, to: bytes.count, by: 3) {
            bytes[i] = fill.0
            bytes[i + 1] = fill.1
            bytes[i + 2] = fill.2
        }
        self.pixels = bytes
    }
}
