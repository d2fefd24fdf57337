import ArgumentParser
import Enpire
import EnpireReward
import EnpireSim
import Foundation

/// `enpire debug reward-frames`: writes labelled Push-T frames whose camera verdict disagrees with the simulator.
struct RewardFramesDebug: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "reward-frames")
    @Option var seed: UInt64 = 20
    @Option var count = 100
    @Option var threshold = 0.95
    @Option var output = "/tmp/reward-frames"
    @Option var quality = 90
    @Option var noise = 1.0
    @Flag var quiet = false
    @Flag var detail = false

    func validate() throws {
        try OptionLimits.check(count, 1...OptionLimits.episodes, "--count")
        try OptionLimits.check(quality, 0...100, "--quality")
        guard noise.isFinite, (0...100).contains(noise) else { throw ValidationError("--noise must be 0...100") }
    }

    func run() async throws {
        try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
        let scale = noise
        let frames = PushTLabelledFrames(jpegQuality: quality > 0 ? quality : nil, camera: { seed in
            var n = CameraNoise.realistic(seed: seed)
            n.maxTranslationPixels *= scale; n.maxRotationRadians *= scale; n.maxScaleChange *= scale
            n.maxBrightnessLevels *= scale; n.maxContrastChange *= scale; n.maxColorCast *= scale
            n.maxGradient *= scale; n.sensorNoiseLevels *= scale
            return n
        })
        var errors: [Double] = []
        defer {
            errors.sort()
            let q = { (f: Double) in errors.isEmpty ? 0 : errors[min(errors.count - 1, Int(f * Double(errors.count)))] }
            CommandOutput.current.line(String(format: "abs error p50 %.4f p90 %.4f p99 %.4f max %.4f", q(0.5), q(0.9), q(0.99), errors.last ?? 0))
        }
        let reward = PushTCameraReward(model: PushTRewardModel(threshold: threshold))
        for (index, sample) in try frames.make(count: count, seed: seed).enumerated() {
            let line: String
            do {
                let calibration = try reward.calibration(from: sample.reference)
                let features = try reward.features(of: sample.frame, calibration: calibration)
                let error = features.estimatedCoverage - sample.coverage
                errors.append(abs(error))
                let noise = frames.camera(seed &* 7919 &+ UInt64(index))
                let renderer = try PushTRenderer(outputSize: frames.resolution, noise: noise)
                let rotation = renderer.perturbation.rotationRadians
                let g = PushTGeometry.goalPose
                let tg = renderer.imagePoint(worldX: g.x, worldY: g.y)
                let tb = renderer.imagePoint(worldX: sample.state.blockX, worldY: sample.state.blockY)
                let eg = calibration.goal, eb = features.block
                if detail {
                    CommandOutput.current.line(String(format: "   goal err %+.3f %+.3f %+.4f  block err %+.3f %+.3f %+.4f",
                                 eg.x - tg.x, eg.y - tg.y, eg.angle - g.angle - rotation,
                                 (eb?.x ?? 0) - tb.x, (eb?.y ?? 0) - tb.y,
                                 (eb?.angle ?? 0) - sample.state.blockAngle - rotation))
                }
                line = String(format: "%3d %@ true %.4f est %.4f err %+.4f area %.3f", index, sample.kind.rawValue,
                              sample.coverage, features.estimatedCoverage, error, features.blockAreaRatio)
                if abs(error) < 0.02 { if !quiet { CommandOutput.current.line(line) }; continue }
            } catch {
                line = "\(index) \(sample.kind.rawValue) error: \(error)"
            }
            CommandOutput.current.line(line + " -> written")
            guard sample.frame.jpeg != nil else { continue }
            let codec = try JPEGCodec()
            var image = RGBImage(size: frames.resolution)
            try codec.decode(sample.reference.jpeg ?? [], into: &image)
            try Data(PNGEncoder.encode(image)).write(to: URL(fileURLWithPath: "\(output)/\(index)-reference.png"))
            try codec.decode(sample.frame.jpeg ?? [], into: &image)
            try Data(PNGEncoder.encode(image)).write(to: URL(fileURLWithPath: "\(output)/\(index)-frame.png"))
            try Data(sample.frame.jpeg ?? []).write(to: URL(fileURLWithPath: "\(output)/\(index)-frame.jpg"))
            try Data(sample.reference.jpeg ?? []).write(to: URL(fileURLWithPath: "\(output)/\(index)-reference.jpg"))
        }
    }
}
