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
}
