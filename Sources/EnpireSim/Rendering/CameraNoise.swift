import Enpire
import Foundation

/// How far a simulated camera departs from gym-pusht's clean top-down picture, as seeded, reproducible ranges.
///
/// Pose and lighting are drawn once from ``seed`` (a camera mounted slightly off, a room lit unevenly: change
/// the seed for another camera); sensor noise is drawn anew for every frame from the seed and the frame index.
/// Every amplitude is the largest absolute deviation; zero switches that effect off. ``none`` is the default.
public struct CameraNoise: Sendable, Equatable, Codable {
    /// Seed of every random draw.
    public var seed: UInt64
    /// Largest shift of the view along each image axis, in world pixels (gym-pusht units).
    public var maxTranslationPixels: Double
    /// Largest rotation of the view about the image centre, in radians.
    public var maxRotationRadians: Double
    /// Largest relative change of the view scale (0.05 = up to 5 % zoom in or out).
    public var maxScaleChange: Double
    /// Largest global brightness offset, in 8-bit levels.
    public var maxBrightnessLevels: Double
    /// Largest relative contrast change around mid-gray (0.1 = contrast between 0.9 and 1.1).
    public var maxContrastChange: Double
    /// Largest relative gain change of each colour channel (a colour cast).
    public var maxColorCast: Double
    /// Largest relative illumination change of a linear light gradient from the image centre to its corners.
    public var maxGradient: Double
    /// Standard deviation of the per-pixel, per-channel sensor noise, in 8-bit levels (drawn every frame).
    public var sensorNoiseLevels: Double

    /// Creates noise settings; every amplitude defaults to zero (off).
    public init(
        seed: UInt64 = 0,
        maxTranslationPixels: Double = 0,
        maxRotationRadians: Double = 0,
        maxScaleChange: Double = 0,
        maxBrightnessLevels: Double = 0,
        maxContrastChange: Double = 0,
        maxColorCast: Double = 0,
        maxGradient: Double = 0,
        sensorNoiseLevels: Double = 0
    ) {
        self.seed = seed
        self.maxTranslationPixels = maxTranslationPixels
        self.maxRotationRadians = maxRotationRadians
        self.maxScaleChange = maxScaleChange
        self.maxBrightnessLevels = maxBrightnessLevels
        self.maxContrastChange = maxContrastChange
        self.maxColorCast = maxColorCast
        self.maxGradient = maxGradient
        self.sensorNoiseLevels = sensorNoiseLevels
    }

    /// No noise at all: gym-pusht's clean picture.
    public static let none = CameraNoise()

    /// A moderate, plausible real-camera departure: a few pixels and degrees off, uneven light, sensor grain.
    public static func realistic(seed: UInt64) -> CameraNoise {
        CameraNoise(
            seed: seed, maxTranslationPixels: 8, maxRotationRadians: 0.05, maxScaleChange: 0.04,
            maxBrightnessLevels: 20, maxContrastChange: 0.15, maxColorCast: 0.08, maxGradient: 0.15,
            sensorNoiseLevels: 4)
    }

    /// Whether every effect is off (the renderer then takes its fast path).
    public var isNone: Bool {
        maxTranslationPixels == 0 && maxRotationRadians == 0 && maxScaleChange == 0 && maxBrightnessLevels == 0
            && maxContrastChange == 0 && maxColorCast == 0 && maxGradient == 0 && sensorNoiseLevels == 0
    }

    /// Throws when an amplitude is negative, not finite, or so large that the picture stops making sense.
    public func validate() throws(RenderingError) {
        let checks: [(String, Double, Double)] = [
            ("maxTranslationPixels", maxTranslationPixels, 256),
            ("maxRotationRadians", maxRotationRadians, Double.pi),
            ("maxScaleChange", maxScaleChange, 0.5),
            ("maxBrightnessLevels", maxBrightnessLevels, 255),
            ("maxContrastChange", maxContrastChange, 0.9),
            ("maxColorCast", maxColorCast, 0.9),
            ("maxGradient", maxGradient, 0.9),
            ("sensorNoiseLevels", sensorNoiseLevels, 128),
        ]
        for (name, value, limit) in checks where !(value >= 0 && value <= limit) {
            throw .invalidNoise("CameraNoise.\(name) is \(value); use a value between 0 and \(limit)")
        }
    }

    /// The concrete pose and lighting deviations this camera gets, drawn from ``seed``.
    public func perturbation() -> CameraPerturbation {
        var random = SplitMix64(seed: seed)
        func symmetric(_ amplitude: Double) -> Double { amplitude * (2 * random.nextUnitDouble() - 1) }
        let translationX = symmetric(maxTranslationPixels)
        let translationY = symmetric(maxTranslationPixels)
        let rotation = symmetric(maxRotationRadians)
        let scale = 1 + symmetric(maxScaleChange)
        let brightness = symmetric(maxBrightnessLevels)
        let contrast = 1 + symmetric(maxContrastChange)
        let gains = (1 + symmetric(maxColorCast), 1 + symmetric(maxColorCast), 1 + symmetric(maxColorCast))
        let direction = 2 * Double.pi * random.nextUnitDouble()
        let strength = maxGradient * random.nextUnitDouble()
        return CameraPerturbation(
            translationX: translationX, translationY: translationY, rotationRadians: rotation, scale: scale,
            brightnessLevels: brightness, contrast: contrast, channelGains: gains,
            gradientX: strength * cos(direction), gradientY: strength * sin(direction),
            sensorNoiseLevels: sensorNoiseLevels)
    }
}

/// The concrete view and lighting deviations of one simulated camera, drawn from ``CameraNoise``.
public struct CameraPerturbation: Sendable, Equatable {
    /// View shift along the image x axis, in world pixels.
    public var translationX: Double
    /// View shift along the image y axis, in world pixels.
    public var translationY: Double
    /// View rotation about the image centre, radians (positive turns the scene clockwise on screen, y down).
    public var rotationRadians: Double
    /// View scale factor (1 = gym-pusht's framing).
    public var scale: Double
    /// Brightness offset in 8-bit levels.
    public var brightnessLevels: Double
    /// Contrast factor around mid-gray 128.
    public var contrast: Double
    /// Gain of the red, green and blue channels.
    public var channelGains: (Double, Double, Double)
    /// Relative illumination change per half image width, along x.
    public var gradientX: Double
    /// Relative illumination change per half image height, along y.
    public var gradientY: Double
    /// Sensor noise standard deviation in 8-bit levels.
    public var sensorNoiseLevels: Double

    /// The identity: gym-pusht's clean camera.
    public static let identity = CameraPerturbation(
        translationX: 0, translationY: 0, rotationRadians: 0, scale: 1, brightnessLevels: 0, contrast: 1,
        channelGains: (1, 1, 1), gradientX: 0, gradientY: 0, sensorNoiseLevels: 0)

    /// Whether the lighting or sensor stage changes any pixel.
    var affectsPixels: Bool {
        brightnessLevels != 0 || contrast != 1 || channelGains != (1, 1, 1) || gradientX != 0 || gradientY != 0
            || sensorNoiseLevels != 0
    }

    /// Compares every field (tuples keep the synthesised conformance away).
    public static func == (lhs: CameraPerturbation, rhs: CameraPerturbation) -> Bool {
        lhs.translationX == rhs.translationX && lhs.translationY == rhs.translationY
            && lhs.rotationRadians == rhs.rotationRadians && lhs.scale == rhs.scale
            && lhs.brightnessLevels == rhs.brightnessLevels && lhs.contrast == rhs.contrast
            && lhs.channelGains == rhs.channelGains && lhs.gradientX == rhs.gradientX
            && lhs.gradientY == rhs.gradientY && lhs.sensorNoiseLevels == rhs.sensorNoiseLevels
    }
}
