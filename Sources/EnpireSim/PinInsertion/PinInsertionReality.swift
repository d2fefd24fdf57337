import Enpire
import Foundation

/// Pin insertion's departures from its clean simulator: where the tracked hole really is, how much clearance the
/// hole has, how the surfaces rub, how the force sensor errs and how compliant the arm is. Presets `clean`,
/// ``mild``, ``harsh``; a lab's own ranges in a reality file (``TaskReality``'s format, keys ``keys``).
public enum PinInsertionReality: TaskRealityModel {
    /// `pin`.
    public static let task = "pin"

    /// The keys a pin-insertion reality file may hold.
    public static let keys: [RealityKey] = [
        RealityKey("holePositionErrorMM", -10...10,
                   "mm: error of the tracked hole position along x, on top of the seeded tracker bias (clean 0)"),
        RealityKey("clearanceMM", 0.05...3, "mm: hole width minus pin width (clean 0.5)"),
        RealityKey("friction", 0...2, "friction coefficient of the pin's and the block's surfaces (clean 0.3 each)"),
        RealityKey("forceBiasNewtons", -10...10, "N: force-sensor bias, drawn for each axis (clean 0)"),
        RealityKey("forceNoiseNewtons", 0...10, "N: standard deviation of the force-sensor noise per reading (clean 0)"),
        RealityKey("graspStiffnessScale", 0.1...5,
                   "x: arm compliance, multiplier on the grasp's translational and rotational stiffness (clean 1)"),
    ]

    /// Keys in draw order (the bias is drawn once per axis); a new key is appended, never inserted.
    static let drawOrder = ["holePositionErrorMM", "clearanceMM", "friction", "forceBiasNewtons", "forceBiasNewtons",
                            "forceNoiseNewtons", "graspStiffnessScale"]

    /// A well-built cell: a calibrated tracker, a hole within tolerance, a good force sensor, a stiff arm.
    public static let mild = TaskReality(task: task, name: "mild", ranges: [
        "holePositionErrorMM": .init(-0.3, 0.3), "clearanceMM": .init(0.4, 0.6), "friction": .init(0.2, 0.45),
        "forceBiasNewtons": .init(-0.2, 0.2), "forceNoiseNewtons": .init(0, 0.1), "graspStiffnessScale": .init(0.8, 1.25),
    ])

    /// A sloppy cell: the tracker off by up to a millimetre, a tight or loose hole, sticky surfaces, a biased and
    /// noisy force sensor, an arm twice as soft or stiff.
    public static let harsh = TaskReality(task: task, name: "harsh", ranges: [
        "holePositionErrorMM": .init(-1, 1), "clearanceMM": .init(0.25, 0.75), "friction": .init(0.1, 0.8),
        "forceBiasNewtons": .init(-0.8, 0.8), "forceNoiseNewtons": .init(0, 0.4), "graspStiffnessScale": .init(0.5, 2),
    ])

    /// The departures of the episode with `seed` (nil when `reality` is clean).
    public static func perturbation(_ reality: TaskReality, seed: UInt64) -> PinInsertionPerturbation? {
        guard !reality.isClean else { return nil }
        let (v, noiseSeed) = reality.draw(seed: seed, salt: 0x5049_4E52_4541_4C00, keys: drawOrder)
        var result = PinInsertionPerturbation()
        result.holePositionError = v[0] ?? 0
        result.clearance = v[1] ?? PinInsertionGeometry.clearance
        result.friction = v[2] ?? 0.3
        result.forceBias = [v[3] ?? 0, v[4] ?? 0]
        result.forceNoise = v[5] ?? 0
        result.graspStiffnessScale = v[6] ?? 1
        result.noiseSeed = noiseSeed
        return result
    }
}

/// One episode's concrete departures of pin insertion from its clean simulator; the initial values are the clean
/// simulator's.
public struct PinInsertionPerturbation: Sendable, Codable, Equatable {
    /// Error of the tracked hole position along x, mm (added to what the tracker publishes).
    public var holePositionError = 0.0
    /// Hole width minus pin width, mm.
    public var clearance = PinInsertionGeometry.clearance
    /// Friction coefficient of the pin's and the block's surfaces.
    public var friction = 0.3
    /// Force-sensor bias [fx, fy], N.
    public var forceBias = [0.0, 0.0]
    /// Standard deviation of the force-sensor noise per reading and axis, N.
    public var forceNoise = 0.0
    /// Multiplier on the grasp's stiffness (arm compliance).
    public var graspStiffnessScale = 1.0
    /// Seed of the per-reading sensor noise.
    public var noiseSeed: UInt64 = 0

    /// Creates the clean values.
    public init() {}
}
