public import Enpire
import Synchronization

/// The part every camera verifier shares: decoding frames at the verifier's resolution into a reused buffer,
/// timing each verdict (decode and measurement included in `Verdict.latencySeconds`), and turning what
/// cannot be judged (a missing camera, a frame of another resolution, a corrupt JPEG, a frame the analyzer
/// cannot measure) into an `unknown` verdict, never a success.
///
/// `State` is the verifier's own mutable memory (frame analyzers with their scratch buffers, per-episode
/// counters); it sits with the decoder behind one lock, so a verifier built on the kit is safe to call from any
/// task. Steady state allocates nothing.
public final class CameraVerifierKit<State>: Sendable {
    /// The resolution every judged frame must have.
    public let resolution: ImageSize
    private let guarded: Mutex<Guarded>

    private final class Guarded {
        let decoder = FrameDecoder()
        var state: State

        init(state: consuming State) {
            self.state = state
        }
    }

    /// Creates a kit for frames of `resolution` around the verifier's `state`.
    public init(resolution: ImageSize, state: sending State) {
        self.resolution = resolution
        guarded = Mutex(Guarded(state: state))
    }

    /// Runs `body` on the state under the lock (no frame involved: per-episode counters, for example).
    public func withState<T: Sendable>(_ body: @Sendable (inout State) throws -> T) rethrows -> T {
        try guarded.withLock { guarded in try body(&guarded.state) }
    }

    /// Decodes `frame` (its pixels, or its JPEG into the reused buffer) and runs `body` on the state and the
    /// pixels under the lock.
    ///
    /// - Throws: ``RewardError/badFrame(_:)`` when the frame has neither pixels nor JPEG bytes, the JPEG does not
    ///   decode, or its size is not ``resolution``; and whatever `body` throws.
    public func withPixels<T: Sendable>(of frame: Frame, _ body: @Sendable (inout State, RGBImage) throws -> T) throws -> T {
        try guarded.withLock { guarded in
            try guarded.decoder.withPixels(of: frame, expected: resolution) { image in
                try body(&guarded.state, image)
            }
        }
    }

    /// Like ``withPixels(of:_:)`` with only `region` of the frame (an image of the region's size; a JPEG frame has
    /// only that window decoded).
    ///
    /// - Throws: ``RewardError/badFrame(_:)`` as ``withPixels(of:_:)`` does, and when `region` is not inside a
    ///   frame of ``resolution``; and whatever `body` throws.
    public func withWindow<T: Sendable>(of frame: Frame, region: RegionOfInterest,
                                        _ body: @Sendable (inout State, RGBImage) throws -> T) throws -> T {
        try guarded.withLock { guarded in
            try guarded.decoder.withWindow(of: frame, expected: resolution, region: region) { image in
                try body(&guarded.state, image)
            }
        }
    }

    /// The frame of `camera` among `frames`.
    ///
    /// - Throws: ``RewardError/missingCamera(_:)`` when that camera sent none.
    public func frame(of camera: String, in frames: [String: Frame]) throws(RewardError) -> Frame {
        guard let frame = frames[camera] else { throw .missingCamera(camera) }
        return frame
    }

    /// Runs `body` and stamps the verdict with its wall-clock latency; a thrown error becomes an `unknown`
    /// verdict carrying the error's message.
    public func timed(_ body: () throws -> Verdict) -> Verdict {
        let start = ContinuousClock.now
        var result: Verdict
        do { result = try body() } catch { result = .unknown(RewardError.message(for: error)) }
        let elapsed = ContinuousClock.now - start
        result.latencySeconds = elapsed.inSeconds
        return result
    }
}

extension RewardError {
    /// The message a user sees for `error`: a ``RewardError``'s description, otherwise the error itself.
    public static func message(for error: any Error) -> String {
        (error as? RewardError)?.description ?? "\(error)"
    }
}
