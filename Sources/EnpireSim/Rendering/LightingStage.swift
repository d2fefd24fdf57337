internal import CRendering
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

    /// Converts one composed row (`width × 3` floats) to 8-bit pixels at `offset`; the per-pixel loop is
    /// CRendering's (C, bit-identical to the Swift it replaced and fast in debug builds too).
    mutating func apply(
        row: UnsafeBufferPointer<Float>, y: Int, into pixels: UnsafeMutableBufferPointer<UInt8>, offset: Int
    ) {
        let width = row.count / 3
        precondition(offset >= 0 && offset + 3 * width <= pixels.count, "LightingStage: row past the image")
        guard width > 0, let source = row.baseAddress, let target = pixels.baseAddress else { return }
        let illumination = gradientOrigin + gradientPerY * Float(y)
        var state = random.state
        enpire_lighting_row(source, width, illumination, gradientPerX, gains.0, gains.1, gains.2, contrast, brightness,
                            noiseLevels, &state, target + offset)
        random.state = state
    }
}
