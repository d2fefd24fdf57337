internal import CPNG

/// Writes ``RGBImage``s as PNG files (8-bit RGB, no interlace) that any image reader opens.
///
/// libpng's simplified write API does the work (adaptive row filters, zlib deflate, chunk CRCs); this type only
/// hands it the pixels. It is meant for debugging pictures and report figures.
public enum PNGEncoder {
    /// How hard libpng compresses.
    public enum Compression: Sendable, Equatable {
        /// libpng's default: zlib's default level with the row filter chosen per row. Smallest files.
        case deflate
        /// libpng's fast mode: cheaper filtering and compression, larger files.
        case fast
    }

    /// The PNG file bytes of `image`.
    ///
    /// An image whose byte count does not match its size (see ``RGBImage/isConsistent``) is padded with black or
    /// cut to its size first. Throws ``PNGEncodingError`` for an image without pixels (a side of 0 or less) or
    /// when libpng fails.
    public static func encode(_ image: RGBImage, compression: Compression = .deflate) throws(PNGEncodingError)
        -> [UInt8]
    {
        let width = image.size.width, height = image.size.height
        guard width > 0, height > 0, width <= Int(Int32.max) / 3, height <= Int(Int32.max) else {
            throw PNGEncodingError(width: width, height: height, reason: "a PNG needs at least 1x1 pixels; render the picture at a positive size")
        }
        var pixels = image.pixels
        let count = width * height * 3
        if pixels.count != count {
            pixels = Array(pixels.prefix(count)) + [UInt8](repeating: 0, count: max(0, count - pixels.count))
        }
        var description = png_image()
        description.version = png_uint_32(PNG_IMAGE_VERSION)
        description.width = png_uint_32(width)
        description.height = png_uint_32(height)
        description.format = png_uint_32(PNG_FORMAT_RGB)
        description.flags = compression == .fast ? png_uint_32(PNG_IMAGE_FLAG_FAST) : 0
        // Room for incompressible pixels: the raw rows, their filter bytes, and zlib's and the chunks' framing.
        var capacity = count + height + count / 64 + 1_024
        for _ in 0..<2 {
            var output = [UInt8](repeating: 0, count: capacity)
            var written = png_alloc_size_t(capacity)
            let succeeded = output.withUnsafeMutableBytes { memory in
                pixels.withUnsafeBytes { buffer in
                    png_image_write_to_memory(&description, memory.baseAddress, &written, 0, buffer.baseAddress, 0, nil)
                }
            }
            if succeeded != 0 {
                output.removeLast(output.count - Int(written))
                return output
            }
            // A failure that reports a larger size only means the buffer was too small.
            guard Int(written) > capacity else { break }
            capacity = Int(written)
            png_image_free(&description)
        }
        let message = withUnsafeBytes(of: description.message) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        png_image_free(&description)
        throw PNGEncodingError(width: width, height: height, reason: message.isEmpty ? "libpng failed" : message)
    }
}

/// A picture that could not be written as PNG.
public struct PNGEncodingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The picture's width in pixels.
    public var width: Int
    /// The picture's height in pixels.
    public var height: Int
    /// What went wrong (libpng's message, or why the size has no PNG form).
    public var reason: String

    /// Creates the error.
    public init(width: Int, height: Int, reason: String) {
        self.width = width
        self.height = height
        self.reason = reason
    }

    /// One line naming the picture's size and the cause.
    public var description: String {
        "cannot write a \(width)x\(height) picture as PNG: \(reason)"
    }
}
