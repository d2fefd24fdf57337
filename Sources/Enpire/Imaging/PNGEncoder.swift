/// Writes ``RGBImage``s as PNG files (8-bit RGB, no interlace) that any image reader opens.
///
/// The encoder is self-contained (no zlib): each row gets the PNG filter that makes it smallest, and the
/// filtered bytes are compressed with fixed-Huffman deflate and a greedy LZ77 match finder (or stored
/// uncompressed). It is meant for debugging pictures and documentation, not for speed.
public enum PNGEncoder {
    /// How the image data is compressed.
    public enum Compression: Sendable, Equatable {
        /// Uncompressed deflate blocks: the simplest valid stream.
        case stored
        /// Fixed-Huffman deflate with LZ77 matches: small files for flat synthetic pictures.
        case deflate
    }

    /// The PNG file bytes of `image`.
    ///
    /// An image whose byte count does not match its size (see ``RGBImage/isConsistent``) is padded with black or
    /// cut to its size first; a negative side counts as 0.
    public static func encode(_ image: RGBImage, compression: Compression = .deflate) -> [UInt8] {
        var image = image
        if !image.isConsistent {
            image.size = ImageSize(width: max(image.size.width, 0), height: max(image.size.height, 0))
            let count = image.size.width * image.size.height * 3
            image.pixels = Array(image.pixels.prefix(count)) + [UInt8](repeating: 0, count: max(0, count - image.pixels.count))
        }
        let filtered = filteredScanlines(image)
        var zlib: [UInt8] = [0x78, 0x01]
        switch compression {
        case .stored: appendStoredBlocks(filtered, to: &zlib)
        case .deflate: appendFixedHuffman(filtered, to: &zlib)
        }
        let checksum = adler32(filtered)
        zlib += [UInt8(checksum >> 24), UInt8((checksum >> 16) & 0xFF), UInt8((checksum >> 8) & 0xFF),
                 UInt8(checksum & 0xFF)]

        var png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        var header: [UInt8] = []
        appendBigEndian(UInt32(image.size.width), to: &header)
        appendBigEndian(UInt32(image.size.height), to: &header)
        header += [8, 2, 0, 0, 0]  // bit depth 8, colour type RGB, deflate, adaptive filtering, no interlace
        appendChunk("IHDR", header, to: &png)
        appendChunk("IDAT", zlib, to: &png)
        appendChunk("IEND", [], to: &png)
        return png
    }

    // MARK: Filtering

    /// Each row prefixed by its filter type, choosing the filter with the smallest sum of absolute residuals.
    private static func filteredScanlines(_ image: RGBImage) -> [UInt8] {
        let stride = image.size.width * 3
        let height = image.size.height
        var output: [UInt8] = []
        output.reserveCapacity((stride + 1) * height)
        var candidate = [UInt8](repeating: 0, count: stride)
        var best = [UInt8](repeating: 0, count: stride)
        image.pixels.withUnsafeBufferPointer { pixels in
            for y in 0..<height {
                let row = y * stride
                var bestScore = Int.max
                var bestType: UInt8 = 0
                for type in UInt8(0)...4 {
                    var score = 0
                    for x in 0..<stride {
                        let raw = pixels[row + x]
                        let left = x >= 3 ? pixels[row + x - 3] : 0
                        let up = y > 0 ? pixels[row - stride + x] : 0
                        let upLeft = (x >= 3 && y > 0) ? pixels[row - stride + x - 3] : 0
                        let predictor: UInt8
                        switch type {
                        case 0: predictor = 0
                        case 1: predictor = left
                        case 2: predictor = up
                        case 3: predictor = UInt8((Int(left) + Int(up)) / 2)
                        default: predictor = paeth(left, up, upLeft)
                        }
                        let residual = raw &- predictor
                        candidate[x] = residual
                        score += residual < 128 ? Int(residual) : 256 - Int(residual)
                    }
                    if score < bestScore {
                        bestScore = score
                        bestType = type
                        swap(&candidate, &best)
                    }
                }
                output.append(bestType)
                output += best
            }
        }
        return output
    }

    private static func paeth(_ a: UInt8, _ b: UInt8, _ c: UInt8) -> UInt8 {
        let p = Int(a) + Int(b) - Int(c)
        let pa = abs(p - Int(a)), pb = abs(p - Int(b)), pc = abs(p - Int(c))
        if pa <= pb && pa <= pc { return a }
        return pb <= pc ? b : c
    }

    // MARK: Deflate

    private static func appendStoredBlocks(_ data: [UInt8], to output: inout [UInt8]) {
        var start = 0
        repeat {
            let length = min(65_535, data.count - start)
            let isLast = start + length == data.count
            output.append(isLast ? 1 : 0)
            output += [UInt8(length & 0xFF), UInt8(length >> 8), UInt8(~length & 0xFF), UInt8((~length >> 8) & 0xFF)]
            output += data[start..<(start + length)]
            start += length
        } while start < data.count
    }

    private static let lengthBases: [Int] = [
        3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258,
    ]
    private static let lengthExtraBits: [Int] = [
        0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
    ]
    private static let distanceBases: [Int] = [
        1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097,
        6145, 8193, 12289, 16385, 24577,
    ]
    private static let distanceExtraBits: [Int] = [
        0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13,
    ]

    /// One final fixed-Huffman block; matches come from a hash of the next three bytes (most recent position).
    private static func appendFixedHuffman(_ data: [UInt8], to output: inout [UInt8]) {
        var bits = BitWriter()
        bits.write(1, count: 1)  // BFINAL
        bits.write(1, count: 2)  // BTYPE = 01, fixed Huffman
        let hashBits = 15
        var head = [Int](repeating: -1, count: 1 << hashBits)
        func hash(_ i: Int) -> Int {
            let value = Int(data[i]) << 16 | Int(data[i + 1]) << 8 | Int(data[i + 2])
            return (value &* 2_654_435_761) >> 16 & ((1 << hashBits) - 1)
        }
        var position = 0
        let count = data.count
        while position < count {
            var bestLength = 0
            var bestDistance = 0
            if position + 2 < count {
                let key = hash(position)
                let limit = min(258, count - position)
                let hashed = head[key]
                head[key] = position
                // Besides the hashed position, the previous byte and pixel catch runs cheaply.
                for candidate in [hashed, position - 1, position - 3] where candidate >= 0 {
                    let distance = position - candidate
                    if distance <= 0 || distance > 32_768 { continue }
                    var length = 0
                    while length < limit && data[candidate + length] == data[position + length] { length += 1 }
                    if length > bestLength {
                        bestLength = length
                        bestDistance = distance
                    }
                }
            }
            if bestLength >= 3 {
                writeLength(bestLength, to: &bits)
                writeDistance(bestDistance, to: &bits)
                for skipped in (position + 1)..<(position + bestLength) where skipped + 2 < count {
                    head[hash(skipped)] = skipped
                }
                position += bestLength
            } else {
                writeLiteral(Int(data[position]), to: &bits)
                position += 1
            }
        }
        writeLiteral(256, to: &bits)
        bits.flush()
        output += bits.bytes
    }

    /// Writes a literal/length symbol with the fixed code (codes are sent most significant bit first).
    private static func writeLiteral(_ symbol: Int, to bits: inout BitWriter) {
        switch symbol {
        case 0...143: bits.writeReversed(0x30 + symbol, count: 8)
        case 144...255: bits.writeReversed(0x190 + symbol - 144, count: 9)
        case 256...279: bits.writeReversed(symbol - 256, count: 7)
        default: bits.writeReversed(0xC0 + symbol - 280, count: 8)
        }
    }

    private static func writeLength(_ length: Int, to bits: inout BitWriter) {
        var code = lengthBases.count - 1
        while lengthBases[code] > length { code -= 1 }
        writeLiteral(257 + code, to: &bits)
        bits.write(length - lengthBases[code], count: lengthExtraBits[code])
    }

    private static func writeDistance(_ distance: Int, to bits: inout BitWriter) {
        var code = distanceBases.count - 1
        while distanceBases[code] > distance { code -= 1 }
        bits.writeReversed(code, count: 5)
        bits.write(distance - distanceBases[code], count: distanceExtraBits[code])
    }

    // MARK: Checksums and chunks

    private static let crcTable: [UInt32] = (0..<256).map { index in
        var value = UInt32(index)
        for _ in 0..<8 { value = value & 1 != 0 ? 0xEDB8_8320 ^ (value >> 1) : value >> 1 }
        return value
    }

    /// CRC-32 (ISO 3309, as PNG chunks use it).
    static func crc32<S: Sequence>(_ bytes: S, initial: UInt32 = 0) -> UInt32 where S.Element == UInt8 {
        var crc = ~initial
        for byte in bytes { crc = crcTable[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return ~crc
    }

    /// Adler-32 (RFC 1950), the zlib stream checksum.
    static func adler32(_ bytes: [UInt8]) -> UInt32 {
        var a: UInt32 = 1, b: UInt32 = 0
        var index = 0
        while index < bytes.count {
            // 5552 bytes is the most zlib sums before the 32-bit accumulators could overflow.
            let end = min(index + 5552, bytes.count)
            for i in index..<end {
                a += UInt32(bytes[i])
                b += a
            }
            a %= 65_521
            b %= 65_521
            index = end
        }
        return b << 16 | a
    }

    private static func appendBigEndian(_ value: UInt32, to bytes: inout [UInt8]) {
        bytes += [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
    }

    private static func appendChunk(_ type: String, _ data: [UInt8], to png: inout [UInt8]) {
        let typeBytes = Array(type.utf8)
        appendBigEndian(UInt32(data.count), to: &png)
        png += typeBytes
        png += data
        appendBigEndian(crc32(data, initial: crc32(typeBytes)), to: &png)
    }

    /// Packs bits least significant first, as deflate requires.
    private struct BitWriter {
        var bytes: [UInt8] = []
        private var buffer: UInt64 = 0
        private var filled = 0

        mutating func write(_ value: Int, count: Int) {
            guard count > 0 else { return }
            buffer |= UInt64(value & ((1 << count) - 1)) << UInt64(filled)
            filled += count
            while filled >= 8 {
                bytes.append(UInt8(buffer & 0xFF))
                buffer >>= 8
                filled -= 8
            }
        }

        /// Writes a Huffman code, whose bits go out most significant first.
        mutating func writeReversed(_ code: Int, count: Int) {
            var reversed = 0
            for bit in 0..<count where code & (1 << bit) != 0 { reversed |= 1 << (count - 1 - bit) }
            write(reversed, count: count)
        }

        mutating func flush() {
            if filled > 0 {
                bytes.append(UInt8(buffer & 0xFF))
                buffer = 0
                filled = 0
            }
        }
    }
}
