import Enpire
@testable import EnpireSim
import Foundation
import Testing

/// PNG output: structure and checksums checked here, decoding by Python's readers when they are installed.
@Suite("PNG encoding of renders")
struct RenderingPNGTests {
    static func scene() throws -> RGBImage {
        var renderer = try PushTRenderer(outputSize: ImageSize(width: 96, height: 96))
        return renderer.render(PushTState(agentX: 120, agentY: 380, blockX: 300, blockY: 220, blockAngle: 0.7))
    }

    static func bigEndian(_ bytes: [UInt8], _ offset: Int) -> UInt32 {
        bytes[offset..<(offset + 4)].reduce(0) { $0 << 8 | UInt32($1) }
    }

    static func adler32(_ bytes: [UInt8]) -> UInt32 {
        var a: UInt32 = 1, b: UInt32 = 0
        for byte in bytes {
            a = (a + UInt32(byte)) % 65_521
            b = (b + a) % 65_521
        }
        return b << 16 | a
    }

    @Test("Stored PNG: signature, IHDR, IEND CRC, and zlib payload that unfilters back to the pixels")
    func storedRoundTrip() throws {
        let image = try Self.scene()
        let png = PNGEncoder.encode(image, compression: .stored)
        #expect(Array(png.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        #expect(Array(png[12..<16]) == Array("IHDR".utf8))
        #expect(Self.bigEndian(png, 16) == 96 && Self.bigEndian(png, 20) == 96)
        #expect(Array(png[24..<29]) == [8, 2, 0, 0, 0])
        // Every PNG ends with the same empty IEND chunk, whose CRC is a published constant.
        #expect(Array(png.suffix(12)) == [0, 0, 0, 0, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82])

        let idatLength = Int(Self.bigEndian(png, 33))
        #expect(Array(png[37..<41]) == Array("IDAT".utf8))
        let zlib = Array(png[41..<(41 + idatLength)])
        #expect(zlib[0] == 0x78 && (Int(zlib[0]) * 256 + Int(zlib[1])) % 31 == 0)
        var position = 2
        var filtered: [UInt8] = []
        var last = false
        while !last {
            last = zlib[position] & 1 == 1
            let length = Int(zlib[position + 1]) | Int(zlib[position + 2]) << 8
            let complement = Int(zlib[position + 3]) | Int(zlib[position + 4]) << 8
            #expect(length ^ complement == 0xFFFF)
            filtered += zlib[(position + 5)..<(position + 5 + length)]
            position += 5 + length
        }
        #expect(Self.bigEndian(zlib, position) == Self.adler32(filtered))

        // Undo the PNG filters.
        let stride = 96 * 3
        var pixels = [UInt8](repeating: 0, count: stride * 96)
        for y in 0..<96 {
            let type = filtered[y * (stride + 1)]
            for x in 0..<stride {
                let raw = filtered[y * (stride + 1) + 1 + x]
                let left = x >= 3 ? pixels[y * stride + x - 3] : 0
                let up = y > 0 ? pixels[(y - 1) * stride + x] : 0
                let upLeft = x >= 3 && y > 0 ? pixels[(y - 1) * stride + x - 3] : 0
                let predictor: UInt8
                switch type {
                case 0: predictor = 0
                case 1: predictor = left
                case 2: predictor = up
                case 3: predictor = UInt8((Int(left) + Int(up)) / 2)
                default:
                    let p = Int(left) + Int(up) - Int(upLeft)
                    let pa = abs(p - Int(left)), pb = abs(p - Int(up)), pc = abs(p - Int(upLeft))
                    predictor = pa <= pb && pa <= pc ? left : (pb <= pc ? up : upLeft)
                }
                pixels[y * stride + x] = raw &+ predictor
            }
        }
        #expect(pixels == image.pixels)
    }

    @Test("Deflated PNG is much smaller than the raw pixels")
    func deflateIsSmall() throws {
        let image = try Self.scene()
        let png = PNGEncoder.encode(image)
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
        for compression in [PNGEncoder.Compression.stored, .deflate] {
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
            let png = PNGEncoder.encode(renderer.render(state))
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
