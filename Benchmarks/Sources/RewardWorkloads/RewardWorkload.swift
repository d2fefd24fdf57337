import Enpire
import EnpireReward
import EnpireSim

/// Push-T camera-reward latency: decode a 640x480 JPEG frame and form the verdict, on one thread.
///
/// The frames are labelled Push-T final frames (realistic camera noise, JPEG quality 90), each with its camera's
/// calibration prepared beforehand: calibration happens once per camera mount, not per frame.
public final class RewardWorkload {
    public let reward = PushTCameraReward(model: PushTRewardModel())
    public let frames: [(jpeg: Frame, raw: Frame, calibration: PushTCameraCalibration)]
    private var next = 0
    private let decoder: JPEGCodec
    private var decoded = RGBImage(size: ImageSize(width: 0, height: 0), pixels: [])

    public init(frames count: Int = 64, seed: UInt64 = 20) throws {
        let samples = try PushTLabelledFrames().make(count: count, seed: seed)
        let codec = try JPEGCodec()
        var prepared: [(Frame, Frame, PushTCameraCalibration)] = []
        for sample in samples {
            var image = RGBImage(size: ImageSize(width: 640, height: 480))
            try codec.decode(sample.frame.jpeg ?? [], into: &image)
            prepared.append((sample.frame, Frame(cameraName: "top", timestampSeconds: 0, image: image),
                             try reward.calibration(from: sample.reference)))
        }
        frames = prepared
        decoder = codec
    }

    /// Decodes and judges the next JPEG frame; returns the verdict's own latency in seconds.
    @discardableResult
    public func judgeNextJPEG() -> Double {
        let frame = frames[next % frames.count]
        next += 1
        return reward.verdict(for: frame.jpeg, calibration: frame.calibration).latencySeconds
    }

    /// Decodes the next JPEG frame only; returns the seconds it took.
    @discardableResult
    public func decodeNext() -> Double {
        let frame = frames[next % frames.count]
        next += 1
        let start = ContinuousClock.now
        try? decoder.decode(frame.jpeg.jpeg ?? [], into: &decoded)
        let elapsed = ContinuousClock.now - start
        return elapsed.inSeconds
    }

    /// Judges the next frame from already decoded pixels (a camera that delivers raw frames).
    @discardableResult
    public func judgeNextRaw() -> Double {
        let frame = frames[next % frames.count]
        next += 1
        return reward.verdict(for: frame.raw, calibration: frame.calibration).latencySeconds
    }
}
