import Enpire
import EnpireHardware
import Foundation
import Testing

/// The first /dev/video* node, or the one named by ENPIRE_V4L2_DEVICE; nil where there is none (this project's
/// machines have none, so the device test is skipped there).
private let videoDevice: String? = {
    if let path = ProcessInfo.processInfo.environment["ENPIRE_V4L2_DEVICE"] { return path }
    let nodes = (try? FileManager.default.contentsOfDirectory(atPath: "/dev")) ?? []
    return nodes.filter { $0.hasPrefix("video") }.sorted().first.map { "/dev/" + $0 }
}()

@Suite("V4L2 camera")
struct V4L2CameraTests {
    @Test func yuyvConvertsWithBT601LimitedRange() throws {
        // Pairs: white/black, then red and blue (standard BT.601 limited-range codes), with a padded stride.
        let size = ImageSize(width: 4, height: 2)
        let rows: [[UInt8]] = [
            [235, 128, 16, 128, /**/ 81, 90, 81, 240],
            [41, 240, 41, 110, /**/ 126, 128, 126, 128],
        ]
        let padding: [UInt8] = [9, 9, 9, 9]
        let image = try YUYVConversion.rgb(from: rows[0] + padding + rows[1] + padding, size: size, bytesPerLine: 12)
        func pixel(_ x: Int, _ y: Int) -> [Int] { (0..<3).map { Int(image.pixels[(y * 4 + x) * 3 + $0]) } }
        #expect(pixel(0, 0) == [255, 255, 255])
        #expect(pixel(1, 0) == [0, 0, 0])
        let red = pixel(2, 0), blue = pixel(0, 1), grey = pixel(2, 1)
        #expect(red[0] > 250 && red[1] < 5 && red[2] < 5, "red \(red)")
        #expect(blue[2] > 250 && blue[0] < 5 && blue[1] < 5, "blue \(blue)")
        #expect(grey.allSatisfy { abs($0 - 128) <= 2 }, "grey \(grey)")
        #expect(image.isConsistent)
    }

    @Test func yuyvRejectsImpossibleGeometryAndShortBuffers() {
        #expect(throws: YUYVConversion.Failure.badGeometry(ImageSize(width: 3, height: 2), bytesPerLine: 6)) {
            _ = try YUYVConversion.rgb(from: [UInt8](repeating: 0, count: 12), size: ImageSize(width: 3, height: 2))
        }
        #expect(throws: YUYVConversion.Failure.shortBuffer(bytes: 10, needed: 16)) {
            _ = try YUYVConversion.rgb(from: [UInt8](repeating: 0, count: 10), size: ImageSize(width: 4, height: 2))
        }
    }

    #if os(Linux)
    @Test func missingAndNonVideoDevicesGiveClearErrors() async throws {
        let size = ImageSize(width: 640, height: 480)
        let missing = try V4L2Camera(name: "none", devicePath: "/dev/video-enpire-missing", resolution: size)
        do {
            _ = try await missing.latestFrame()
            Issue.record("no error")
        } catch let error as V4L2CameraError {
            #expect(error.description.contains("cannot open /dev/video-enpire-missing"))
        }
        // /dev/null opens but answers VIDIOC_QUERYCAP with ENOTTY: the ioctl path runs and is refused cleanly.
        let null = try V4L2Camera(name: "null", devicePath: "/dev/null", resolution: size)
        await #expect(throws: V4L2CameraError.self) { try await null.start() }
        do {
            _ = try await null.latestFrame()
        } catch let error as V4L2CameraError {
            #expect(error.description.contains("not a V4L2 capture device"), "\(error)")
        }
        #expect(throws: V4L2CameraError.self) { _ = try V4L2Camera(name: "odd", resolution: ImageSize(width: 641, height: 480)) }
        #expect(throws: V4L2CameraError.self) { _ = try V4L2Camera(name: "bufs", resolution: size, bufferCount: 1) }
    }

    /// Runs only where a video device exists (ENPIRE_V4L2_DEVICE, or the first /dev/video*), at 640x480 or
    /// ENPIRE_V4L2_SIZE (for example `1280x720`).
    @Test(.enabled(if: videoDevice != nil, "no /dev/video* device on this machine"))
    func capturesFromARealDevice() async throws {
        let path = try #require(videoDevice)
        let sizeText = ProcessInfo.processInfo.environment["ENPIRE_V4L2_SIZE"] ?? "640x480"
        let parts = sizeText.split(separator: "x").compactMap { Int($0) }
        let size = ImageSize(width: parts.first ?? 640, height: parts.last ?? 480)
        for format in V4L2Camera.PixelFormat.allCases {
            let camera = try V4L2Camera(name: "device", devicePath: path, resolution: size, pixelFormats: [format])
            do { try await camera.start() } catch {
                if error.description.contains("offers none of") { continue }   // the device lacks this format
                throw error
            }
            var sequence: [Double] = []
            for _ in 0..<5 {
                let frame = try await camera.latestFrame()
                let jpeg = try #require(frame.jpeg)
                #expect(try JPEGCodec().decodedSize(of: jpeg) == size)
                if format == .yuyv { #expect(frame.image?.size == size) } else { #expect(frame.image == nil) }
                sequence.append(frame.timestampSeconds)
                try await Task.sleep(for: .milliseconds(40))
            }
            #expect(Set(sequence).count > 1, "the device delivered one frame only")
            await camera.stop()
        }
    }
    #endif
}
