import Enpire
import Foundation

/// Zip-tie's departures from its clean simulator: a stiffer or softer tie seen slightly off where it is, cutter
/// jaws that start late and close at another speed, a grip of other stiffness whose pull reading is noisy.
/// Presets `clean` (no range), ``mild``, ``harsh``; a lab's own ranges in a reality file (``TaskReality``'s format, keys
/// ``keys``).
public enum ZipTieReality: TaskRealityModel {
    /// `ziptie`.
    public static let task = "ziptie"

    /// The keys a zip-tie reality file may hold.
    public static let keys: [RealityKey] = [
        RealityKey("tieStiffnessScale", 0.1...10, "x: multiplier on the tie's bending stiffness (clean 1)"),
        RealityKey("tiePositionErrorMM", -20...20,
                   "mm: error of the observed tie (anchor, free end, mark), drawn for each axis (clean 0)"),
        RealityKey("jawDelaySteps", 0...10, "control steps (50 ms) before a jaw command reaches the cutter (clean 0)"),
        RealityKey("jawSpeedScale", 0.1...5, "x: multiplier on the cutter jaws' closing and opening speed (clean 1)"),
        RealityKey("graspStiffnessScale", 0.1...5, "x: multiplier on the left gripper's hold on the free end (clean 1)"),
        RealityKey("graspForceNoiseNewtons", 0...5, "N: standard deviation of the noise on the measured pull (clean 0)"),
    ]

    /// Keys in draw order (the position error is drawn once per axis); a new key is appended, never inserted.
    static let drawOrder = ["tieStiffnessScale", "tiePositionErrorMM", "tiePositionErrorMM", "jawDelaySteps",
                            "jawSpeedScale", "graspStiffnessScale", "graspForceNoiseNewtons"]

    /// A well-built cell: ties from one batch, a calibrated camera, a prompt cutter, a steady grip.
    public static let mild = TaskReality(task: task, name: "mild", ranges: [
        "tieStiffnessScale": .init(0.8, 1.25), "tiePositionErrorMM": .init(-0.5, 0.5), "jawDelaySteps": .init(0, 1),
        "jawSpeedScale": .init(0.8, 1.2), "graspStiffnessScale": .init(0.8, 1.25), "graspForceNoiseNewtons": .init(0, 0.05),
    ])

    /// A sloppy cell: ties from any batch, a camera off by over a millimetre, a slow and late cutter, a loose or
    /// hard grip with a noisy pull reading.
    public static let harsh = TaskReality(task: task, name: "harsh", ranges: [
        "tieStiffnessScale": .init(0.5, 2), "tiePositionErrorMM": .init(-1.5, 1.5), "jawDelaySteps": .init(0, 3),
        "jawSpeedScale": .init(0.5, 1.5), "graspStiffnessScale": .init(0.5, 2), "graspForceNoiseNewtons": .init(0, 0.2),
    ])

    /// The departures of the episode with `seed` (nil when `reality` is clean).
    public static func perturbation(_ reality: TaskReality, seed: UInt64) -> ZipTiePerturbation? {
        guard !reality.isClean else { return nil }
        let (v, noiseSeed) = reality.draw(seed: seed, salt: 0x5A49_5052_4541_4C00, keys: drawOrder)
        var result = ZipTiePerturbation()
        result.tieStiffnessScale = v[0] ?? 1
        result.tiePositionError = [v[1] ?? 0, v[2] ?? 0]
        // Whole steps, each of low...high equally likely.
        if let range = reality.ranges["jawDelaySteps"], let u = v[3] {
            let low = range.low.rounded(.up), high = range.high.rounded(.down)
            let unit = range.high > range.low ? (u - range.low) / (range.high - range.low) : 0
            result.jawDelaySteps = Int(max(low, min(high, low + (unit * (high - low + 1)).rounded(.down))))
        }
        result.jawSpeedScale = v[4] ?? 1
        result.graspStiffnessScale = v[5] ?? 1
        result.graspForceNoise = v[6] ?? 0
        result.noiseSeed = noiseSeed
        return result
    }
}

/// One episode's concrete departures of zip-tie from its clean simulator; the initial values are the clean
/// simulator's.
public struct ZipTiePerturbation: Sendable, Codable, Equatable {
    /// Multiplier on the tie's bending stiffness.
    public var tieStiffnessScale = 1.0
    /// Error [x, y] of the observed tie positions, mm.
    public var tiePositionError = [0.0, 0.0]
    /// Control steps before a jaw command reaches the cutter.
    public var jawDelaySteps = 0
    /// Multiplier on the jaws' speed.
    public var jawSpeedScale = 1.0
    /// Multiplier on the grip's stiffness.
    public var graspStiffnessScale = 1.0
    /// Standard deviation of the noise on the measured pull, N.
    public var graspForceNoise = 0.0
    /// Seed of the per-reading noise.
    public var noiseSeed: UInt64 = 0

    /// Creates the clean values.
    public init() {}
}
