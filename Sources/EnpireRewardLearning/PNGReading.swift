import CPNG
import Enpire

/// Decodes PNG files of a clips folder through libpng's simplified read API (8-bit RGB; alpha is composited on
/// black, palettes and grey are expanded).
enum PNGReading {
    /// The PNG signature.
    static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// Decodes `bytes`, refusing images above JPEGCodec's size limits before allocating their pixels.
    static func decode(_ bytes: [UInt8]) throws(ClassifierError) -> RGBImage {
        var image = png_image()
        image.version = png_uint_32(PNG_IMAGE_VERSION)
        defer { png_image_free(&image) }
        let begun = bytes.withUnsafeBytes { png_image_begin_read_from_memory(&image, $0.baseAddress, $0.count) }
        guard begun != 0 else { throw .badImage("not a readable PNG (header)") }
        let width = Int(image.width), height = Int(image.height)
        guard width > 0, height > 0, width <= JPEGCodec.maximumDimension, height <= JPEGCodec.maximumDimension,
              width * height <= JPEGCodec.maximumPixelCount else {
            throw .badImage("PNG claims \(width)x\(height) pixels, above the size limit")
        }
        image.format = png_uint_32(PNG_FORMAT_RGB)
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        let finished = pixels.withUnsafeMutableBytes { png_image_finish_read(&image, nil, $0.baseAddress, 0, nil) }
        guard finished != 0 else { throw .badImage("PNG image data is corrupt or truncated") }
        return RGBImage(size: ImageSize(width: width, height: height), pixels: pixels)
    }
}
