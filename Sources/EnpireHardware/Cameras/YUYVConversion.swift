public import Enpire

/// Conversion of packed YUV 4:2:2 (`YUYV`, what UVC webcams send when not compressing) to RGB.
///
/// ITU-R BT.601 with limited ("studio") range, as UVC cameras deliver it: Y in 16...235 and U, V in 16...240,
/// fixed-point arithmetic. Two pixels share one U and one V: bytes `Y0 U Y1 V`.
public enum YUYVConversion {
    /// Why a YUYV buffer could not be converted.
    public enum Failure: Error, Equatable, CustomStringConvertible {
        /// Width odd, a size not positive, or a row stride shorter than `2 × width`.
        case badGeometry(ImageSize, bytesPerLine: Int)
        /// The buffer holds fewer bytes than `bytesPerLine × height`.
        case shortBuffer(bytes: Int, needed: Int)

        /// A message a user can act on.
        public var description: String {
            switch self {
            case .badGeometry(let size, let stride):
                return "YUYV frame \(size) with \(stride) bytes per line is impossible (width must be even and > 0, "
                    + "stride ≥ 2 × width)"
            case .shortBuffer(let bytes, let needed):
                return "YUYV frame holds \(bytes) bytes but needs \(needed); the driver delivered a partial frame"
            }
        }
    }

    /// Converts one frame to RGB.
    ///
    /// - Parameters:
    ///   - bytes: the frame, `bytesPerLine` bytes per row (drivers may pad rows).
    ///   - size: the frame's size (even width).
    ///   - bytesPerLine: row stride; `nil` means `2 × width`.
    public static func rgb(from bytes: UnsafeRawBufferPointer, size: ImageSize,
                           bytesPerLine: Int? = nil) throws(Failure) -> RGBImage {
        let stride = bytesPerLine ?? size.width * 2
        guard size.width > 0, size.height > 0, size.width % 2 == 0, stride >= size.width * 2 else {
            throw .badGeometry(size, bytesPerLine: stride)
        }
        let needed = stride * (size.height - 1) + size.width * 2
        guard bytes.count >= needed else { throw .shortBuffer(bytes: bytes.count, needed: needed) }
        var pixels = [UInt8](repeating: 0, count: size.width * size.height * 3)
        pixels.withUnsafeMutableBufferPointer { out in
            @inline(__always) func clamp(_ value: Int32) -> UInt8 { UInt8(truncatingIfNeeded: min(255, max(0, value >> 8))) }
            var o = 0
            for row in 0..<size.height {
                var i = row * stride
                for _ in 0..<(size.width / 2) {
                    let u = Int32(bytes[i + 1]) - 128, v = Int32(bytes[i + 3]) - 128
                    let ru = Int32(409) * v + 128, gu = Int32(-100) * u - 208 * v + 128, bu = Int32(516) * u + 128
                    let c0 = 298 * (Int32(bytes[i]) - 16), c1 = 298 * (Int32(bytes[i + 2]) - 16)
                    out[o] = clamp(c0 + ru)
                    out[o + 1] = clamp(c0 + gu)
                    out[o + 2] = clamp(c0 + bu)
                    out[o + 3] = clamp(c1 + ru)
                    out[o + 4] = clamp(c1 + gu)
                    out[o + 5] = clamp(c1 + bu)
                    o += 6
                    i += 4
                }
            }
        }
        return RGBImage(size: size, pixels: pixels)
    }

    /// Converts one frame held in an array (see ``rgb(from:size:bytesPerLine:)``).
    public static func rgb(from bytes: [UInt8], size: ImageSize, bytesPerLine: Int? = nil) throws(Failure) -> RGBImage {
        let result = bytes.withUnsafeBytes { raw in Result { () throws(Failure) in
            try rgb(from: raw, size: size, bytesPerLine: bytesPerLine)
        } }
        return try result.get()
    }
}
