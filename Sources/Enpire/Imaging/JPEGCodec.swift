import CJPEGRegion
import CTurboJPEG

/// Down-scaling applied while decoding (libjpeg-turbo's DCT scaling, much cheaper than decoding then resizing).
public enum JPEGScale: Int, Sendable, CaseIterable {
    /// Full resolution.
    case full = 1
    /// Half width and height.
    case half = 2
    /// Quarter width and height.
    case quarter = 4
    /// One eighth of width and height.
    case eighth = 8
}

/// Why a JPEG could not be encoded or decoded.
public enum JPEGError: Error, Equatable, CustomStringConvertible {
    /// The input was empty.
    case emptyInput
    /// The quality was outside 1...100.
    case badQuality(Int)
    /// The image had no pixels.
    case emptyImage
    /// libjpeg-turbo rejected the data (not a JPEG, truncated, corrupt).
    case corrupt(String)
    /// libjpeg-turbo could not be initialised.
    case unavailable
    /// The header claims more than ``JPEGCodec/maximumDimension`` per side or ``JPEGCodec/maximumPixelCount``
    /// pixels; refused before any pixel memory is allocated.
    case tooLarge(width: Int, height: Int)
    /// The header's size differs from the size the caller expects; refused before any pixel memory is allocated.
    case unexpectedSize(ImageSize, expected: ImageSize)
    /// The image's pixel buffer does not hold `width × height × 3` bytes.
    case pixelCountMismatch(ImageSize, bytes: Int)

    /// A message a user can act on.
    public var description: String {
        switch self {
        case .emptyInput: return "JPEG input is empty"
        case .badQuality(let q): return "JPEG quality must be 1...100, got \(q)"
        case .emptyImage: return "cannot encode an image with no pixels"
        case .corrupt(let message): return "not a decodable JPEG (\(message)); the frame may be truncated or corrupt"
        case .unavailable: return "libjpeg-turbo could not be initialised (is libturbojpeg installed?)"
        case .tooLarge(let width, let height):
            return "JPEG claims \(width)x\(height) pixels, above the limit of \(JPEGCodec.maximumDimension) per side and "
                + "\(JPEGCodec.maximumPixelCount) pixels; refusing to decode it"
        case .unexpectedSize(let size, let expected):
            return "JPEG is \(size.width)x\(size.height) but \(expected.width)x\(expected.height) was expected; "
                + "check the camera's resolution"
        case .pixelCountMismatch(let size, let bytes):
            return "image of \(size.width)x\(size.height) needs \(size.width * size.height * 3) bytes but holds \(bytes)"
        }
    }
}

/// JPEG encoding and decoding through libjpeg-turbo, with reusable handles and buffers.
///
/// Not thread-safe: keep one codec per actor or thread (each holds libjpeg-turbo handles and scratch memory).
///
/// Limits: a JPEG whose header claims more than ``maximumDimension`` pixels per side or more than
/// ``maximumPixelCount`` pixels is refused from its header, before any pixel memory is allocated.
public final class JPEGCodec {
    /// Largest width or height decoded or encoded (libjpeg-turbo itself accepts up to 65,535).
    public static let maximumDimension = 16_384
    /// Largest number of pixels decoded or encoded: 40 megapixels (120 MB of RGB), above any station camera.
    public static let maximumPixelCount = 40_000_000

    private let compressor: tjhandle
    // Replaced after every failed decode: libturbojpeg 2.1 leaves a handle whose header read failed unusable (every
    // later frame failed with the first one's error until this was found).
    private var decompressor: tjhandle
    private var scratch: [UInt8] = []

    /// Creates a codec.
    public init() throws {
        guard let compressor = tjInitCompress() else { throw JPEGError.unavailable }
        guard let decompressor = tjInitDecompress() else {
            tjDestroy(compressor)
            throw JPEGError.unavailable
        }
        self.compressor = compressor
        self.decompressor = decompressor
    }

    deinit {
        tjDestroy(compressor)
        tjDestroy(decompressor)
    }

    /// Compresses an RGB image (4:2:0 chroma subsampling).
    public func encode(_ image: RGBImage, quality: Int = 90) throws -> [UInt8] {
        guard (1...100).contains(quality) else { throw JPEGError.badQuality(quality) }
        guard image.size.width > 0, image.size.height > 0 else { throw JPEGError.emptyImage }
        try Self.checkLimits(width: image.size.width, height: image.size.height)
        guard image.pixels.count == image.size.width * image.size.height * 3 else {
            throw JPEGError.pixelCountMismatch(image.size, bytes: image.pixels.count)
        }
        let capacity = Int(tjBufSize(Int32(image.size.width), Int32(image.size.height), Int32(TJSAMP_420.rawValue)))
        if scratch.count < capacity { scratch = [UInt8](repeating: 0, count: capacity) }
        var size: UInt = 0
        let status = image.pixels.withUnsafeBufferPointer { source in
            scratch.withUnsafeMutableBufferPointer { destination -> Int32 in
                var output: UnsafeMutablePointer<UInt8>? = destination.baseAddress
                size = UInt(destination.count)
                // TJFLAG_NOREALLOC: the preallocated buffer of tjBufSize bytes always suffices.
                return tjCompress2(compressor, source.baseAddress, Int32(image.size.width), 0, Int32(image.size.height),
                                   Int32(TJPF_RGB.rawValue), &output, &size, Int32(TJSAMP_420.rawValue),
                                   Int32(quality), TJFLAG_NOREALLOC | TJFLAG_FASTDCT)
            }
        }
        guard status == 0 else { throw JPEGError.corrupt(errorMessage(compressor)) }
        return Array(scratch[0..<Int(size)])
    }

    /// The size a JPEG decodes to at `scale`, read from its header.
    ///
    /// - Throws: ``JPEGError/tooLarge(width:height:)`` when the header claims more than the codec's limits.
    public func decodedSize(of bytes: [UInt8], scale: JPEGScale = .full) throws -> ImageSize {
        guard !bytes.isEmpty else { throw JPEGError.emptyInput }
        var width: Int32 = 0, height: Int32 = 0, subsampling: Int32 = 0, colorspace: Int32 = 0
        let status = bytes.withUnsafeBufferPointer {
            tjDecompressHeader3(decompressor, $0.baseAddress, UInt($0.count), &width, &height, &subsampling, &colorspace)
        }
        guard status == 0, width > 0, height > 0 else { throw decompressionFailed() }
        try Self.checkLimits(width: Int(width), height: Int(height))
        let s = scale.rawValue
        return ImageSize(width: (Int(width) + s - 1) / s, height: (Int(height) + s - 1) / s)
    }

    /// Decodes into a new image.
    public func decode(_ bytes: [UInt8], scale: JPEGScale = .full) throws -> RGBImage {
        var image = RGBImage(size: ImageSize(width: 0, height: 0), pixels: [])
        try decode(bytes, scale: scale, into: &image)
        return image
    }

    /// Decodes into `image`, reusing its storage when the size matches (allocation-free in steady state).
    /// A truncated JPEG is an error, never a partially decoded frame.
    ///
    /// The size is read from the header first: a JPEG above the codec's limits, or (with `expected`) of another
    /// size, is refused before any pixel memory is allocated.
    public func decode(_ bytes: [UInt8], scale: JPEGScale = .full, into image: inout RGBImage,
                       expected: ImageSize? = nil) throws {
        let size = try decodedSize(of: bytes, scale: scale)
        if let expected, size != expected { throw JPEGError.unexpectedSize(size, expected: expected) }
        if image.size != size || image.pixels.count != size.width * size.height * 3 {
            image = RGBImage(size: size, pixels: [UInt8](repeating: 0, count: size.width * size.height * 3))
        }
        let status = bytes.withUnsafeBufferPointer { source in
            image.pixels.withUnsafeMutableBufferPointer { destination in
                tjDecompress2(decompressor, source.baseAddress, UInt(source.count), destination.baseAddress,
                              Int32(size.width), 0, Int32(size.height), Int32(TJPF_RGB.rawValue),
                              TJFLAG_FASTDCT | TJFLAG_FASTUPSAMPLE | TJFLAG_STOPONWARNING)
            }
        }
        guard status == 0 else { throw decompressionFailed() }
    }

    /// The error of the decompressor's last failure, after replacing the decompressor by a fresh one.
    private func decompressionFailed() -> JPEGError {
        let error = JPEGError.corrupt(errorMessage(decompressor))
        if let fresh = tjInitDecompress() {
            tjDestroy(decompressor)
            decompressor = fresh
        }
        return error
    }

    /// Decodes only a window of the frame, `width × height` pixels from column `x` and row `y`, into `image`
    /// (resized to the window; allocation-free in steady state): the pixels equal that window of a full
    /// ``decode(_:scale:into:expected:)``. libjpeg still reads the compressed data up to the window's last row, but
    /// runs the inverse DCT, upsampling and colour conversion only for the window's blocks, and nothing after its
    /// last row, so a camera reward that looks at part of the frame decodes a fraction of it.
    ///
    /// - Throws: ``JPEGError/unexpectedSize(_:expected:)`` when the header's size is not `frame` (checked before
    ///   any pixel memory is allocated), ``JPEGError/tooLarge(width:height:)`` above the codec's limits,
    ///   ``JPEGError/corrupt(_:)`` for data libjpeg rejects (truncation included) or a window outside the frame.
    public func decode(_ bytes: [UInt8], window: (x: Int, y: Int, width: Int, height: Int), of frame: ImageSize,
                       into image: inout RGBImage) throws {
        let size = try decodedSize(of: bytes)
        guard size == frame else { throw JPEGError.unexpectedSize(size, expected: frame) }
        guard window.x >= 0, window.y >= 0, window.width > 0, window.height > 0,
              window.x + window.width <= frame.width, window.y + window.height <= frame.height else {
            throw JPEGError.corrupt("the window \(window.width)x\(window.height) at (\(window.x), \(window.y)) is "
                + "not inside the \(frame.width)x\(frame.height) frame")
        }
        let target = ImageSize(width: window.width, height: window.height)
        if image.size != target || image.pixels.count != target.width * target.height * 3 {
            image = RGBImage(size: target, pixels: [UInt8](repeating: 0, count: target.width * target.height * 3))
        }
        var message = [CChar](repeating: 0, count: 200)
        let status = bytes.withUnsafeBufferPointer { source in
            image.pixels.withUnsafeMutableBufferPointer { destination in
                message.withUnsafeMutableBufferPointer { text in
                    enpire_jpeg_decode_region(source.baseAddress, UInt(source.count), Int32(frame.width),
                                              Int32(frame.height), Int32(window.x), Int32(window.y),
                                              Int32(window.width), Int32(window.height), destination.baseAddress,
                                              text.baseAddress, text.count)
                }
            }
        }
        guard status == 0 else {
            throw JPEGError.corrupt(String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) },
                                           as: UTF8.self))
        }
    }

    private static func checkLimits(width: Int, height: Int) throws {
        guard width <= maximumDimension, height <= maximumDimension, width * height <= maximumPixelCount else {
            throw JPEGError.tooLarge(width: width, height: height)
        }
    }

    private func errorMessage(_ handle: tjhandle) -> String {
        guard let message = tjGetErrorStr2(handle) else { return "unknown libjpeg-turbo error" }
        return String(cString: message)
    }
}
