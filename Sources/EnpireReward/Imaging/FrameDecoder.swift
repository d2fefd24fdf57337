public import Enpire

/// Turns a `Frame` into pixels of an expected size, decoding JPEG frames into a reused buffer.
///
/// Not thread-safe: keep one per verifier behind a lock (it holds a libjpeg-turbo codec and the pixel buffer).
/// Steady state allocates nothing.
public final class FrameDecoder {
    private var codec: JPEGCodec?
    private var image = RGBImage(size: ImageSize(width: 0, height: 0), pixels: [])
    private var window = RGBImage(size: ImageSize(width: 0, height: 0), pixels: [])

    /// Creates a decoder; the codec is opened on the first JPEG frame.
    public init() {}

    /// Calls `body` with the frame's pixels.
    ///
    /// - Throws: ``RewardError/badFrame(_:)`` when the frame has neither pixels nor JPEG bytes, the JPEG does not
    ///   decode, or the size is not `expected`; and whatever `body` throws.
    public func withPixels<T>(of frame: Frame, expected: ImageSize, _ body: (RGBImage) throws -> T) throws -> T {
        if let pixels = try checkedPixels(of: frame, expected: expected) { return try body(pixels) }
        // The header's size is checked against `expected` before pixels are allocated.
        try decodeJPEG(of: frame, expected: expected) { codec, jpeg in
            try codec.decode(jpeg, into: &image, expected: expected)
        }
        try check(image.size, expected, frame.cameraName)
        return try body(image)
    }

    /// Calls `body` with the pixels of `region` of the frame (an image of the region's size): a JPEG frame has
    /// only that window decoded (`JPEGCodec.decode(_:window:of:into:)`, the same pixels as decoding it all), a
    /// frame of pixels has the window copied into a reused buffer.
    ///
    /// - Throws: ``RewardError/badFrame(_:)`` as ``withPixels(of:expected:_:)`` does, and when `region` is empty or
    ///   not inside an `expected` frame; and whatever `body` throws.
    public func withWindow<T>(of frame: Frame, expected: ImageSize, region: RegionOfInterest,
                              _ body: (RGBImage) throws -> T) throws -> T {
        guard !region.isEmpty, region.clipped(to: expected) == region else {
            throw RewardError.badFrame("the region \(region.width)x\(region.height) at (\(region.x), \(region.y)) "
                + "is not inside a \(expected) frame")
        }
        if let pixels = try checkedPixels(of: frame, expected: expected) {
            let size = ImageSize(width: region.width, height: region.height), span = region.width * 3
            if window.size != size || window.pixels.count != size.width * size.height * 3 {
                window = RGBImage(size: size, pixels: [UInt8](repeating: 0, count: size.width * size.height * 3))
            }
            pixels.pixels.withUnsafeBufferPointer { source in
                window.pixels.withUnsafeMutableBufferPointer { target in
                    for row in 0..<region.height {
                        let from = source.baseAddress! + ((region.y + row) * expected.width + region.x) * 3
                        (target.baseAddress! + row * span).update(from: from, count: span)
                    }
                }
            }
            return try body(window)
        }
        try decodeJPEG(of: frame, expected: expected) { codec, jpeg in
            try codec.decode(jpeg, window: (region.x, region.y, region.width, region.height), of: expected,
                             into: &window)
        }
        return try body(window)
    }

    /// The frame's pixels when it carries them (checked against `expected` and its own size), else `nil`.
    private func checkedPixels(of frame: Frame, expected: ImageSize) throws -> RGBImage? {
        guard let pixels = frame.image else { return nil }
        try check(pixels.size, expected, frame.cameraName)
        guard pixels.pixels.count == pixels.size.width * pixels.size.height * 3 else {
            throw RewardError.badFrame("frame from '\(frame.cameraName)' holds fewer bytes than its size says")
        }
        return pixels
    }

    /// Runs `decode` on the frame's JPEG bytes with the (lazily opened) codec, turning its errors into
    /// ``RewardError/badFrame(_:)``.
    private func decodeJPEG(of frame: Frame, expected: ImageSize,
                            _ decode: (JPEGCodec, [UInt8]) throws -> Void) throws {
        guard let jpeg = frame.jpeg else {
            throw RewardError.badFrame("frame from '\(frame.cameraName)' has neither pixels nor JPEG bytes")
        }
        let codec: JPEGCodec
        if let existing = self.codec {
            codec = existing
        } else {
            do { codec = try JPEGCodec() } catch { throw RewardError.badFrame("JPEG codec unavailable: \(error)") }
            self.codec = codec
        }
        do {
            try decode(codec, jpeg)
        } catch JPEGError.unexpectedSize(let size, _) {
            try check(size, expected, frame.cameraName)
        } catch {
            throw RewardError.badFrame("frame from '\(frame.cameraName)' is not a readable JPEG: \(error)")
        }
    }

    private func check(_ size: ImageSize, _ expected: ImageSize, _ camera: String) throws {
        guard size == expected else {
            throw RewardError.badFrame(
                "frame from '\(camera)' is \(size) but the verifier expects \(expected); set the camera's resolution")
        }
    }
}
