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
        let width = row.count / 3
        var illumination = gradientOrigin + gradientPerY * Float(y)
        for x in 0..<width {
            let red = transfer(row[3 * x] * gains.0 * illumination)
            let green = transfer(row[3 * x + 1] * gains.1 * illumination)
            let blue = transfer(row[3 * x + 2] * gains.2 * illumination)
            pixels[offset + 3 * x] = red
            pixels[offset + 3 * x + 1] = green
            pixels[offset + 3 * x + 2] = blue
            illumination += gradientPerX
        }
    }

    @inline(__always)
    private mutating func transfer(_ value: Float) -> UInt8 {
        var result = (value - 128) * contrast + 128 + brightness
        if noiseLevels > 0 {
            // Irwin-Hall sum of four 16-bit uniforms, rescaled to unit variance: Gaussian enough for sensor grain.
            let bits = random.next()
            let sum = Float(bits & 0xFFFF) + Float((bits >> 16) & 0xFFFF) + Float((bits >> 32) & 0xFFFF)
                + Float(bits >> 48)
            let unit = (sum / 65536 - 2) * 1.732_050_8
            result += unit * noiseLevels
        }
        return UInt8(min(max(result + 0.5, 0), 255))
    }
}
