import CTurboJPEG
import Enpire
import EnpireTesting
import Testing

@Suite("JPEG codec")
struct JPEGCodecTests {
    static func pattern(_ width: Int, _ height: Int) -> RGBImage {
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            for x in 0..<width {
                let i = (y * width + x) * 3
                pixels[i] = UInt8(x * 255 / max(width - 1, 1))
                pixels[i + 1] = UInt8(y * 255 / max(height - 1, 1))
                pixels[i + 2] = (x / 16 + y / 16) % 2 == 0 ? 200 : 40
            }
        }
        return RGBImage(size: ImageSize(width: width, height: height), pixels: pixels)
    }

    @Test func roundTripStaysWithinJPEGTolerance() throws {
        let codec = try JPEGCodec()
        let image = Self.pattern(640, 480)
        let bytes = try codec.encode(image, quality: 90)
        #expect(bytes.count > 1000 && bytes.count < image.pixels.count / 4)
        let decoded = try codec.decode(bytes)
        #expect(decoded.size == image.size)
        let error = zip(decoded.pixels, image.pixels).map { abs(Int($0) - Int($1)) }.reduce(0, +)
        let mean = Double(error) / Double(image.pixels.count)
        // 4:2:0 chroma subsampling blurs the sharp blue checkerboard edges: about 4.3 measured at q90.
        #expect(mean < 6, "mean absolute error \(mean)")
    }

    @Test(arguments: JPEGScale.allCases)
    func scaledDecodeHasTheScaledSize(scale: JPEGScale) throws {
        let codec = try JPEGCodec()
        let bytes = try codec.encode(Self.pattern(640, 480))
        let decoded = try codec.decode(bytes, scale: scale)
        #expect(decoded.size == ImageSize(width: 640 / scale.rawValue, height: 480 / scale.rawValue))
    }

    @Test func badInputIsAnErrorNeverACrash() throws {
        let codec = try JPEGCodec()
        let bytes = try codec.encode(Self.pattern(64, 48))
        #expect(throws: JPEGError.emptyInput) { try codec.decode([]) }
        #expect(throws: JPEGError.self) { try codec.decode(Array("not a jpeg at all".utf8)) }
        #expect(throws: JPEGError.self) { try codec.decode(Array(bytes.prefix(bytes.count / 2))) }
        var flipped = bytes
        for i in stride(from: 200, to: min(flipped.count - 2, 400), by: 7) { flipped[i] ^= 0x5A }
        _ = try? codec.decode(flipped)  // corrupt entropy data may decode to garbage or throw: it must not crash
        #expect(throws: JPEGError.badQuality(0)) { try codec.encode(Self.pattern(8, 8), quality: 0) }
        // A camera's next good frame still decodes after corrupt ones (the decompressor once stayed broken).
        #expect(throws: Never.self) { _ = try codec.decode(bytes) }
        #expect(throws: Never.self) { _ = try codec.decodedSize(of: bytes) }
    }

    @Test func decodeIntoReusesTheBuffer() throws {
        let codec = try JPEGCodec()
        let bytes = try codec.encode(Self.pattern(96, 96))
        var image = RGBImage(size: ImageSize(width: 96, height: 96))
        try codec.decode(bytes, into: &image)
        let first = image.pixels
        try codec.decode(bytes, into: &image)
        #expect(image.pixels == first)
    }

    /// A camera-like frame: gradients, a checkerboard and per-pixel noise, so every block has detail.
    static func noisyFrame(_ width: Int, _ height: Int, seed: UInt64) -> RGBImage {
        var image = pattern(width, height)
        var rng = SplitMix64(seed: seed)
        for index in image.pixels.indices {
            image.pixels[index] = UInt8(clamping: Int(image.pixels[index]) + Int(rng.next() % 61) - 30)
        }
        return image
    }

    /// `image` compressed with the given chroma subsampling (and progressive scans), through TurboJPEG directly:
    /// cameras send 4:2:2 and 4:4:4 as well as the codec's own 4:2:0.
    static func compress(_ image: RGBImage, subsampling: TJSAMP, progressive: Bool = false) throws -> [UInt8] {
        guard let handle = tjInitCompress() else { throw JPEGError.unavailable }
        defer { tjDestroy(handle) }
        var output: UnsafeMutablePointer<UInt8>?
        var size: UInt = 0
        let status = image.pixels.withUnsafeBufferPointer { source in
            tjCompress2(handle, source.baseAddress, Int32(image.size.width), 0, Int32(image.size.height),
                        Int32(TJPF_RGB.rawValue), &output, &size, Int32(subsampling.rawValue), 90,
                        progressive ? TJFLAG_PROGRESSIVE : 0)
        }
        defer { tjFree(output) }
        guard status == 0, let output else { throw JPEGError.corrupt("test encoder failed") }
        return Array(UnsafeBufferPointer(start: output, count: Int(size)))
    }

    /// A window decoded alone must be exactly that window of the full decode: odd offsets and sizes, windows on
    /// every edge, the whole frame; 4:2:0, 4:2:2, 4:4:4, greyscale and progressive files.
    @Test("A JPEG window decoded alone equals the same window of a full decode, pixel for pixel",
          arguments: ["420", "422", "444", "gray", "420-progressive"])
    func windowEqualsCropOfFullDecode(kind: String) throws {
        let codec = try JPEGCodec()
        let frame = ImageSize(width: 640, height: 480)
        let image = Self.noisyFrame(frame.width, frame.height, seed: 11)
        let bytes: [UInt8]
        switch kind {
        case "422": bytes = try Self.compress(image, subsampling: TJSAMP_422)
        case "444": bytes = try Self.compress(image, subsampling: TJSAMP_444)
        case "gray": bytes = try Self.compress(image, subsampling: TJSAMP_GRAY)
        case "420-progressive": bytes = try Self.compress(image, subsampling: TJSAMP_420, progressive: true)
        default: bytes = try codec.encode(image)
        }
        let full = try codec.decode(bytes)
        var windows = [(0, 0, 640, 480), (160, 96, 400, 256), (208, 128, 224, 224), (1, 1, 1, 1), (639, 479, 1, 1),
                       (0, 477, 640, 3), (637, 0, 3, 480), (17, 33, 301, 7)]
        var rng = SplitMix64(seed: 12)
        for _ in 0..<40 {
            let width = 1 + Int(rng.next() % 640), height = 1 + Int(rng.next() % 480)
            windows.append((Int(rng.next() % UInt64(641 - width)), Int(rng.next() % UInt64(481 - height)), width, height))
        }
        var window = RGBImage(size: ImageSize(width: 0, height: 0), pixels: [])
        for (x, y, width, height) in windows {
            try codec.decode(bytes, window: (x, y, width, height), of: frame, into: &window)
            #expect(window.size == ImageSize(width: width, height: height))
            var mismatches = 0
            for row in 0..<height {
                let start = ((y + row) * frame.width + x) * 3
                let expected = full.pixels[start..<(start + width * 3)]
                let got = window.pixels[(row * width * 3)..<((row + 1) * width * 3)]
                if !expected.elementsEqual(got) { mismatches += 1 }
            }
            #expect(mismatches == 0, "\(kind): window \(width)x\(height) at (\(x), \(y)): \(mismatches) rows differ")
        }
    }

    @Test("A window decode refuses bad data, a frame of another size and a window outside the frame")
    func windowDecodeRefusesBadInput() throws {
        let codec = try JPEGCodec()
        let frame = ImageSize(width: 64, height: 48)
        let bytes = try codec.encode(Self.noisyFrame(64, 48, seed: 3))
        var window = RGBImage(size: ImageSize(width: 0, height: 0), pixels: [])
        #expect(throws: JPEGError.emptyInput) { try codec.decode([], window: (0, 0, 8, 8), of: frame, into: &window) }
        #expect(throws: JPEGError.self) {
            try codec.decode(Array("not a jpeg".utf8), window: (0, 0, 8, 8), of: frame, into: &window)
        }
        for cut in [bytes.count / 3, bytes.count / 2, bytes.count - 4] {
            #expect(throws: JPEGError.self, "cut at \(cut) of \(bytes.count)") {
                try codec.decode(Array(bytes.prefix(cut)), window: (0, 40, 64, 8), of: frame, into: &window)
            }
        }
        #expect(throws: JPEGError.unexpectedSize(frame, expected: ImageSize(width: 32, height: 48))) {
            try codec.decode(bytes, window: (0, 0, 8, 8), of: ImageSize(width: 32, height: 48), into: &window)
        }
        for bad in [(-1, 0, 8, 8), (0, 0, 0, 8), (60, 0, 8, 8), (0, 41, 8, 8)] {
            #expect(throws: JPEGError.self) { try codec.decode(bytes, window: bad, of: frame, into: &window) }
        }
        var flipped = bytes
        for i in stride(from: 200, to: min(flipped.count - 2, 400), by: 7) { flipped[i] ^= 0x5A }
        _ = try? codec.decode(flipped, window: (5, 5, 50, 40), of: frame, into: &window)   // must not crash
        try codec.decode(bytes, window: (3, 5, 50, 40), of: frame, into: &window)   // still usable after errors
        #expect(window.size == ImageSize(width: 50, height: 40))
    }
}
