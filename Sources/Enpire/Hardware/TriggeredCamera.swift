/// A camera that delivers frames only while a trigger condition holds, like a camera wired to a hardware
/// trigger line (a gripper-closed signal, a light barrier).
///
/// Rendering, transferring and recording full frames every control step is the dominant cost of a station
/// whose judge only needs pictures at one moment of the episode (a zip-tie verifier needs the tie after the
/// jaws closed). Wrap such cameras: while `trigger` returns false, ``latestFrame()`` throws
/// ``CameraTriggerError/notTriggered(_:)`` and the station leaves the camera out of that step's observation,
/// so rewards see it as missing (an `unknown` vote, never a success) and nothing is recorded for it.
///
/// With a `burst`, the camera is edge-triggered: when the condition becomes true it delivers at most `burst`
/// frames, then none until the condition has been false again (a hardware trigger's burst capture).
public actor TriggeredCamera: Camera {
    /// The wrapped camera's name.
    public nonisolated let name: String
    /// The wrapped camera's resolution.
    public nonisolated let resolution: ImageSize
    private let camera: any Camera
    private let trigger: @Sendable () async -> Bool
    /// Frames per rising edge of the trigger, or `nil` for every request while it holds.
    public nonisolated let burst: Int?
    private var framesThisBurst = 0
    /// Frames delivered so far (the trigger held).
    public private(set) var framesDelivered = 0
    /// Requests refused so far (the trigger did not hold).
    public private(set) var framesSkipped = 0

    /// Wraps `camera`; frames are taken only while `trigger` returns true, at most `burst` per rising edge when
    /// `burst` is set (values below 1 count as 1).
    public init(_ camera: any Camera, burst: Int? = nil, when trigger: @escaping @Sendable () async -> Bool) {
        self.camera = camera
        self.trigger = trigger
        self.burst = burst.map { max(1, $0) }
        name = camera.name
        resolution = camera.resolution
    }

    /// The wrapped camera's latest frame when the trigger holds.
    ///
    /// - Throws: ``CameraTriggerError/notTriggered(_:)`` when it does not, or the wrapped camera's error.
    public func latestFrame() async throws -> Frame {
        guard await trigger() else {
            framesThisBurst = 0
            framesSkipped += 1
            throw CameraTriggerError.notTriggered(name)
        }
        if let burst, framesThisBurst >= burst {
            framesSkipped += 1
            throw CameraTriggerError.notTriggered(name)
        }
        let frame = try await camera.latestFrame()
        framesThisBurst += 1
        framesDelivered += 1
        return frame
    }
}

/// Why a ``TriggeredCamera`` delivered no frame.
public enum CameraTriggerError: Error, Equatable, CustomStringConvertible {
    /// The trigger condition did not hold when the frame was requested.
    case notTriggered(String)

    /// A message naming the camera.
    public var description: String {
        switch self {
        case .notTriggered(let name): return "camera \(name) was not triggered for this step"
        }
    }
}
