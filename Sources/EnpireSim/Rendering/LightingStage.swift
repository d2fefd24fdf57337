import Enpire

/// The per-pixel part of ``CameraNoise``: channel gains, a linear light gradient, contrast, brightness and
/// sensor noise, applied while converting a composed row to 8-bit pixels.
struct LightingStage {
    let isActive: Bool
    private let gains: (Float, Float, Float)
    private let contrast: Float
    private let brightness: Float
    /// Illumination factor change per pixel along x and y, and its value at pixel (0, 0).
    private let gradientPerX: Float
    private let gradientPerY: Float
    private let gradientOrigin: Float
    private let noiseLevels: Float
    private var random: SplitMix64

    init(perturbation: CameraPerturbation, outputSize: ImageSize, noise: CameraNoise, frameIndex: UInt64) {
        isActive = perturbation.affectsPixels
        gains = (Float(perturbation.channelGains.0), Float(perturbation.channelGains.1),
                 Float(perturbation.channelGains.2))
        contrast = Float(perturbation.contrast)
        brightness = Float(perturbation.brightnessLevels)
        let halfWidth = Double(outputSize.width) / 2, halfHeight = Double(outputSize.height) / 2
        gradientPerX = Float(perturbation.gradientX / halfWidth)
        gradientPerY = Float(perturbation.gradientY / halfHeight)
        // Pixel centres: (x + 0.5 - halfWidth) / halfWidth * gradientX, likewise for y.
        gradientOrigin = Float(1 + perturbation.gradientX * (0.5 - halfWidth) / halfWidth
                               + perturbation.gradientY * (0.5 - halfHeight) / halfHeight)
        noiseLevels = Float(perturbation.sensorNoiseLevels)
        // Each frame gets its own stream; the odd multiplier spreads neighbouring indices apart.
        random = SplitMix64(seed: noise.seed ^ (frameIndex &+ 1) &* 0xD1B5_4A32_D192_ED03)
    }

    mutating func apply(
        row: UnsafeBufferPointer<Float>, y: Int, into pixels: UnsafeMutableBufferPointer<UInt8>, offset: Int
    ) {
        // Fields copied into locals and the generator written back once: in debug builds (the test suite's) the
        // per-pixel work through `self` was the slowest part of every camera test.
        let width = row.count / 3
        var illumination = gradientOrigin + gradientPerY * Float(y)
        let (red, green, blue) = gains
        let levels = Levels(contrast: contrast, brightness: brightness, noise: noiseLevels)
        var random = self.random
        defer { self.random = random }
        for x in 0..<width {
            let r = Self.transfer(row[3 * x] * red * illumination, levels, &random)
            let g = Self.transfer(row[3 * x + 1] * green * illumination, levels, &random)
            let b = Self.transfer(row[3 * x + 2] * blue * illumination, levels, &random)
            pixels[offset + 3 * x] = r
            pixels[offset + 3 * x + 1] = g
            pixels[offset + 3 * x + 2] = b
            illumination += gradientPerX
        }
    }

    /// Contrast, brightness and sensor-noise level of one frame.
    private struct Levels {
        let contrast: Float, brightness: Float, noise: Float
    }

    @inline(__always)
    private static func transfer(_ value: Float, _ levels: Levels, _ random: inout SplitMix64) -> UInt8 {
        var result = (value - 128) * levels.contrast + 128 + levels.brightness
        if levels.noise > 0 {
            // Irwin-Hall sum of four 16-bit uniforms, rescaled to unit variance: Gaussian enough for sensor grain.
            // The conversions go through `Int` (exact for 16-bit values): `Float`'s initialiser from `UInt64` is
            // generic, and unspecialised in debug builds.
            let bits = random.next()
            let sum = Float(Int(truncatingIfNeeded: bits & 0xFFFF)) + Float(Int(truncatingIfNeeded: (bits &>> 16) & 0xFFFF))
                + Float(Int(truncatingIfNeeded: (bits &>> 32) & 0xFFFF)) + Float(Int(truncatingIfNeeded: bits &>> 48))
            let unit = (sum / 65536 - 2) * 1.732_050_8
            result += unit * levels.noise
        }
        // min(max(x, 0), 255) spelled out, comparisons in the same order (no generic calls in debug builds).
        let shifted = result + 0.5
        let floored = 0 >= shifted ? 0 : shifted
        return UInt8(255 < floored ? 255 : floored)
    }
}
