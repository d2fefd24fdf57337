public import Enpire

/// A scriptable stand-in for a camera: plays back a list of images in a loop, or generates each frame from
/// its index; can be told to fail.
public actor MockCamera: Camera {
    /// Camera name.
    public nonisolated let name: String
    /// Frame size.
    public nonisolated let resolution: ImageSize
    private let generator: @Sendable (Int) -> RGBImage
    private let clock: any StationClock
    private var failure: String?
    /// Frames delivered so far.
    public private(set) var framesDelivered = 0

    /// Plays `images` in a loop (each must have `resolution`).
    public init(name: String, resolution: ImageSize, images: [RGBImage], clock: any StationClock = SimulatedClock()) {
        let frames = images.isEmpty ? [RGBImage(size: resolution)] : images
        self.init(name: name, resolution: resolution, clock: clock) { frames[$0 % frames.count] }
    }

    /// Generates frame `n` with `generator(n)`.
    public init(name: String, resolution: ImageSize, clock: any StationClock = SimulatedClock(),
                generator: @escaping @Sendable (Int) -> RGBImage) {
        self.name = name
        self.resolution = resolution
        self.generator = generator
        self.clock = clock
    }

    /// A moving gradient test pattern (different every frame, compressible like a real scene).
    public static func testPattern(name: String = "mock", resolution: ImageSize = ImageSize(width: 64, height: 48),
                                   clock: any StationClock = SimulatedClock()) -> MockCamera {
        MockCamera(name: name, resolution: resolution, clock: clock) { index in
            var pixels = [UInt8](repeating: 0, count: resolution.width * resolution.height * 3)
            for y in 0..<resolution.height {
                for x in 0..<resolution.width {
                    let i = (y * resolution.width + x) * 3
                    pixels[i] = UInt8(truncatingIfNeeded: x * 4 + index)
                    pixels[i + 1] = UInt8(truncatingIfNeeded: y * 4)
                    pixels[i + 2] = UInt8(truncatingIfNeeded: (x + y) * 2 + index * 3)
                }
            }
            return RGBImage(size: resolution, pixels: pixels)
        }
    }

    /// Makes every `latestFrame` throw until cleared with `nil`.
    public func fail(_ message: String?) {
        failure = message
    }

    /// The next frame.
    public func latestFrame() async throws -> Frame {
        if let failure { throw CameraFailure(camera: name, message: failure) }
        defer { framesDelivered += 1 }
        return Frame(cameraName: name, timestampSeconds: clock.now(), image: generator(framesDelivered))
    }
}

/// The error a ``MockCamera`` throws when told to fail.
public struct CameraFailure: Error, CustomStringConvertible, Equatable {
    /// Camera name.
    public var camera: String
    /// Injected message.
    public var message: String

    /// "camera NAME: MESSAGE".
    public var description: String { "camera \(camera): \(message)" }
}
