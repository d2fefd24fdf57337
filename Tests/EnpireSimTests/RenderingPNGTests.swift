import CPNG
import Enpire
@testable import EnpireSim
import Foundation
import Testing

/// PNG output: structure checked here, decoded by libpng's reader, and by Python's readers when they are installed.
@Suite("PNG encoding of renders")
struct RenderingPNGTests {
    static func scene() throws -> RGBImage {
        var renderer = try PushTRenderer(outputSize: ImageSize(width: 96, height: 96))
        return renderer.render(PushTState(agentX: 120, agentY: 380, blockX: 300, blockY: 220, blockAngle: 0.7))
    }

    static func bigEndian(_ bytes: [UInt8], _ offset: Int) -> UInt32 {
        bytes[offset..<(offset + 4)].reduce(0) { $0 << 8 | UInt32($1) }
    }

    /// The pixels libpng's own reader decodes from `png` (its simplified read API, as 8-bit RGB), which checks
    /// every chunk CRC and the zlib stream's Adler-32.
    struct Rejected: Error { let stage: String }

    static func decode(_ png: [UInt8]) throws -> (size: ImageSize, pixels: [UInt8]) {
        var image = png_image()
        image.version = png_uint_32(PNG_IMAGE_VERSION)
        defer { png_image_free(&image) }
        let begun = png.withUnsafeBytes { png_image_begin_read_from_memory(&image, $0.baseAddress, $0.count) }
        guard begun != 0 else { throw Rejected(stage: "header") }
        image.format = png_uint_32(PNG_FORMAT_RGB)
        var pixels = [UInt8](repeating: 0, count: Int(image.width) * Int(image.height) * 3)
        let finished = pixels.withUnsafeMutableBytes { png_image_finish_read(&image, nil, $0.baseAddress, 0, nil) }
        guard finished != 0 else { throw Rejected(stage: "image data") }
        return (ImageSize(width: Int(image.width), height: Int(image.height)), pixels)
    }

    @Test("PNG bytes: signature, IHDR, IEND, and libpng decodes both compressions back to the pixels",
          arguments: [PNGEncoder.Compression.deflate, .fast])
    func roundTrip(compression: PNGEncoder.Compression) throws {
        let image = try Self.scene()
        let png = try PNGEncoder.encode(image, compression: compression)
        #expect(Array(png.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        #expect(Array(png[12..<16]) == Array("IHDR".utf8))
        #expect(Self.bigEndian(png, 16) == 96 && Self.bigEndian(png, 20) == 96)
        #expect(Array(png[24..<29]) == [8, 2, 0, 0, 0])
        // Every PNG ends with the same empty IEND chunk, whose CRC is a published constant.
        #expect(Array(png.suffix(12)) == [0, 0, 0, 0, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82])
        let decoded = try Self.decode(png)
        #expect(decoded.size == image.size)
        #expect(decoded.pixels == image.pixels)
    }

    @Test("A damaged PNG fails libpng's checksums (the round trip above can fail)")
    func damagedFails() throws {
        var png = try PNGEncoder.encode(try Self.scene())
        png[png.count / 2] ^= 0xFF
        #expect(throws: Rejected.self) { try Self.decode(png) }
    }

    @Test("An image whose byte count disagrees with its size is padded with black; an empty one is refused")
    func inconsistentAndEmpty() throws {
        let short = RGBImage(size: ImageSize(width: 2, height: 2), pixels: [255, 0, 0])
        #expect(try Self.decode(try PNGEncoder.encode(short)).pixels == [255, 0, 0] + [UInt8](repeating: 0, count: 9))
        let empty = RGBImage(size: ImageSize(width: 0, height: 5), pixels: [])
        #expect(throws: PNGEncodingError.self) { try PNGEncoder.encode(empty) }
    }

    @Test("Deflated PNG is much smaller than the raw pixels")
    func deflateIsSmall() throws {
        let image = try Self.scene()
        let png = try PNGEncoder.encode(image)
        #expect(png.count < image.pixels.count / 4, "\(png.count) bytes for \(image.pixels.count) raw bytes")
        #expect(Array(png.suffix(12)) == [0, 0, 0, 0, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82])
    }

    /// The interpreter named by `$ENPIRE_PYTHON`, else `python3` on the path, if it can read PNGs (PIL or cv2).
    static let pythonReader: String? = {
        let python = ProcessInfo.processInfo.environment["ENPIRE_PYTHON"] ?? "python3"
        let probe = "import importlib.util as u, sys; sys.exit(0 if u.find_spec('PIL') or u.find_spec('cv2') else 1)"
        return (try? runPython(python, ["-c", probe])) == 0 ? python : nil
    }()

    @discardableResult
    static func runPython(_ python: String, _ arguments: [String]) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [python] + arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }

    @Test("Python's PNG reader (PIL or OpenCV) decodes both encodings to our pixels",
          .enabled(if: pythonReader != nil, "needs $ENPIRE_PYTHON or python3 with Pillow or OpenCV"))
    func pythonReadsIt() throws {
        let python = try #require(Self.pythonReader)
        let image = try Self.scene()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("enpire-png-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let script = """
            import sys
            try:
                from PIL import Image
                data = Image.open(sys.argv[1]).convert("RGB").tobytes()
            except ImportError:
                import cv2
                data = cv2.cvtColor(cv2.imread(sys.argv[1], cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB).tobytes()
            open(sys.argv[2], "wb").write(data)
            """
        for compression in [PNGEncoder.Compression.deflate, .fast] {
            let png = folder.appendingPathComponent("scene-\(compression).png")
            let raw = folder.appendingPathComponent("scene-\(compression).rgb")
            try Data(PNGEncoder.encode(image, compression: compression)).write(to: png)
            #expect(try Self.runPython(python, ["-c", script, png.path, raw.path]) == 0)
            #expect([UInt8](try Data(contentsOf: raw)) == image.pixels, "\(compression) decodes differently")
        }
    }
}

/// Regenerates the pictures in Docs/img when `ENPIRE_DOC_IMAGES_DIR` names a folder (skipped otherwise).
@Suite("Documentation pictures")
struct RenderingDocImageTests {
    static let folder = ProcessInfo.processInfo.environment["ENPIRE_DOC_IMAGES_DIR"]

    @Test("Writes the Docs/img pictures", .enabled(if: folder != nil, "set ENPIRE_DOC_IMAGES_DIR to write them"))
    func writePictures() throws {
        let folder = URL(fileURLWithPath: try #require(Self.folder))
        let goalState = PushTState(agentX: 100, agentY: 100, blockX: 256, blockY: 256, blockAngle: Double.pi / 4)
        let tilted = PushTState(agentX: 80, agentY: 430, blockX: 340.10433120276457, blockY: 274.588174535849,
                                blockAngle: 1.1)
        // Sensor grain would make the large picture incompressible; the small one shows it.
        var poseAndLight = CameraNoise.realistic(seed: 1)
        poseAndLight.sensorNoiseLevels = 0
        let pictures: [(String, ImageSize, CameraNoise, PushTState)] = [
            ("pusht-goal-96.png", ImageSize(width: 96, height: 96), .none, goalState),
            ("pusht-tilted-96.png", ImageSize(width: 96, height: 96), .none, tilted),
            ("pusht-tilted-96-noise.png", ImageSize(width: 96, height: 96), .realistic(seed: 1), tilted),
            ("pusht-640x480.png", ImageSize(width: 640, height: 480), .none, tilted),
            ("pusht-640x480-pose-light.png", ImageSize(width: 640, height: 480), poseAndLight, tilted),
        ]
        for (name, size, noise, state) in pictures {
            var renderer = try PushTRenderer(outputSize: size, noise: noise)
            let png = try PNGEncoder.encode(renderer.render(state))
            #expect(png.count > 100)
            try Data(png).write(to: folder.appendingPathComponent(name))
        }
        // gym-pusht's own observations of the same two poses, from the fidelity fixtures.
        for (fixtureName, fileName) in [("goal", "gym-pusht-goal-96.png"), ("tilted", "gym-pusht-tilted-96.png")] {
            let fixture = try #require(try RenderingFidelityTests.loadCases().first { $0.name == fixtureName })
            let pixels = [UInt8](try #require(Data(base64Encoded: fixture.rgb_base64)))
            let image = RGBImage(size: ImageSize(width: 96, height: 96), pixels: pixels)
            try Data(PNGEncoder.encode(image)).write(to: folder.appendingPathComponent(fileName))
        }
    }
}
