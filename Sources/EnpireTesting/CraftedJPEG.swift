import Enpire

/// Hostile inputs for tests of decoders: JPEG bytes whose header lies about the image.
public enum CraftedJPEG {
    /// `jpeg` with its frame header (SOF0/1/2) rewritten to claim `width × height` pixels (each at most 65,535);
    /// the scan data is unchanged, so only a decoder that trusts the header before checking it allocates for it.
    ///
    /// - Throws: `JPEGError.corrupt` when `jpeg` has no frame header.
    public static func claiming(width: Int, height: Int, _ jpeg: [UInt8]) throws -> [UInt8] {
        var bytes = jpeg
        var index = 2
        while index + 9 < bytes.count {
            guard bytes[index] == 0xFF else { index += 1; continue }
            if (0xC0...0xC2).contains(bytes[index + 1]) {
                bytes[index + 5] = UInt8(truncatingIfNeeded: height >> 8)
                bytes[index + 6] = UInt8(truncatingIfNeeded: height)
                bytes[index + 7] = UInt8(truncatingIfNeeded: width >> 8)
                bytes[index + 8] = UInt8(truncatingIfNeeded: width)
                return bytes
            }
            index += 2 + Int(bytes[index + 2]) << 8 + Int(bytes[index + 3])
        }
        throw JPEGError.corrupt("no frame header (SOF0/1/2) in \(jpeg.count) bytes")
    }
}
