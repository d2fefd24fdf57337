public import Enpire

/// Turns a `Frame` into pixels of an expected size, decoding JPEG frames into a reused buffer.
///
/// Not thread-safe: keep one per verifier behind a lock (it holds a libjpeg-turbo codec and the pixel buffer).
/// Steady state allocates nothing.
public final class FrameDecoder {
    private var codec: JPEGCodec?
    private var image = RGBImage(size: ImageSize(width: 0, height: 0), pixels: [])

    /// Creates a decoder; the codec is opened on the first JPEG frame.
    public init() {}

    /// Calls `body` with the frame's pixels.
    ///
    /// - Throws: ``RewardError/badFrame(_:)`` when the frame has neither pixels nor JPEG bytes, the JPEG does not
    ///   decode, or the size is not `expected`; and whatever `body` throws.
    public func withPixels<T>(of frame: Frame, expected: ImageSize, _ body: (RGBImage) throws -> T) throws -> T {
        if let pixels = frame.image {
            try check(pixels.size, expected, frame.cameraName)
            guard pixels.pixels.count == pixels.size.width * pixels.size.height * 3 else {
                throw RewardError.badFrame("frame from '\(frame.cameraName)' holds fewer bytes than its size says")
            }
            return try body(pixels)
        }
        guard let jpeg = frame.jpeg else {
            throw RewardError.badFrame("frame from '\(frame.cameraName)' has neither pixels nor JPEG bytes")
        }
        if codec == nil {
            do { codec = try JPEGCodec() } catch { throw RewardError.badFrame("JPEG codec unavailable: \(error)") }
        }
        do {
            // The header's size is checked against `expected` before pixels are allocated.
            try codec?.decode(jpeg, into: &image, expected: expected)
        } catch JPEGError.unexpectedSize(let size, _) {
            try check(size, expected, frame.cameraName)
        } catch {
            throw RewardError.badFrame("frame from '\(frame.cameraName)' is not a readable JPEG: \(error)")
        }
        try check(image.size, expected, frame.cameraName)
        return try body(image)
    }

    private func check(_ size: ImageSize, _ expected: ImageSize, _ camera: String) throws {
        guard size == expected else {
            throw RewardError.badFrame(
                "frame from '\(camera)' is \(size) but the verifier expects \(expected); set the camera's resolution")
        }
    }
}
