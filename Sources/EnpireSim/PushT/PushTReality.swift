import Enpire
public import Foundation

/// How far a simulated Push-T station departs from gym-pusht's clean physics and camera: named ranges from which
/// one concrete ``PushTPerturbation`` is drawn per episode, seeded by the episode seed (so runs repeat).
///
/// Every range is optional; a missing range keeps gym-pusht's value exactly. ``clean`` has no range at all, and a
/// simulation with it is bit-exact gym-pusht. ``mild`` and ``harsh`` are the shipped presets; a lab writes its own
/// measured ranges as a JSON file (``load(nameOrPath:)``; Docs/SimToReal.md says how to measure them).
///
/// Units are the simulator's: pixels of gym-pusht's 512 x 512 table (``pixelsPerMetre`` converts the one physical
/// quantity, the friction deceleration), seconds, control steps of 0.1 s.
public struct PushTReality: Sendable, Codable, Equatable {
    /// Name reported with results (`clean`, `mild`, `harsh` or the file's own name).
    public var name: String
    /// Table pixels per metre of the real table, used to turn friction coefficients into decelerations
    /// (default 1,000: one pixel is one millimetre, the scale of a real Push-T T of 12 cm).
    public var pixelsPerMetre: Double?
    /// Coulomb friction coefficient of the block on the table. gym-pusht has none (the block stops dead each
    /// physics step, as if friction were infinite); with a coefficient the block keeps its momentum and slides,
    /// decelerating at μ·g.
    public var blockTableFriction: PushTRealityRange?
    /// Friction coefficient between the pusher and the block (gym-pusht: 0, the pusher slides along the block).
    public var pusherBlockFriction: PushTRealityRange?
    /// Multiplier on the block's mass (gym-pusht: 1).
    public var blockMassScale: PushTRealityRange?
    /// Multiplier on the block's moment of inertia (gym-pusht: 3,000).
    public var blockInertiaScale: PushTRealityRange?
    /// Time constant in seconds of a first-order lag between the commanded target and the target the pusher's
    /// controller tracks (gym-pusht: 0).
    public var trackingLagSeconds: PushTRealityRange?
    /// Multiplier on the pusher controller's stiffness (position gain; the velocity gain follows with the square
    /// root so the damping ratio is kept). gym-pusht: 1.
    public var trackingGainScale: PushTRealityRange?
    /// Whole control steps (0.1 s each) between a command and its arrival at the controller (gym-pusht: 0).
    public var latencySteps: PushTRealityRange?
    /// Standard deviation, in pixels, of Gaussian noise added to every commanded target (gym-pusht: 0).
    public var actionNoisePixels: PushTRealityRange?
    /// Camera moved since its calibration: shift of the view along each image axis, in table pixels.
    public var cameraShiftPixels: PushTRealityRange?
    /// Camera moved since its calibration: rotation of the view, in radians.
    public var cameraRotationRadians: PushTRealityRange?
    /// Intrinsics error: relative change of the focal length (0.02 = 2 % zoom).
    public var focalLengthError: PushTRealityRange?
    /// Exposure: multiplier on every colour channel (1 = as calibrated).
    public var exposureGain: PushTRealityRange?
    /// Ambient light change: brightness offset in 8-bit levels.
    public var brightnessLevels: PushTRealityRange?

    /// Creates a reality named `name` with no ranges (clean, gym-pusht).
    public init(name: String) { self.name = name }

    /// gym-pusht as it is: no perturbation.
    public static let clean = PushTReality(name: "clean")

    /// A well-built station: a little friction and lag, one step of latency at most, small camera bumps.
    public static let mild: PushTReality = {
        var reality = PushTReality(name: "mild")
        reality.blockTableFriction = .init(0.4, 1.0)
        reality.pusherBlockFriction = .init(0, 0.3)
        reality.blockMassScale = .init(0.8, 1.25)
        reality.blockInertiaScale = .init(0.8, 1.25)
        reality.trackingLagSeconds = .init(0, 0.03)
        reality.trackingGainScale = .init(0.8, 1.2)
        reality.latencySteps = .init(0, 1)
        reality.actionNoisePixels = .init(0, 1)
        reality.cameraShiftPixels = .init(-1.5, 1.5)
        reality.cameraRotationRadians = .init(-0.005, 0.005)
        reality.focalLengthError = .init(-0.005, 0.005)
        reality.exposureGain = .init(0.9, 1.1)
        reality.brightnessLevels = .init(-8, 8)
        return reality
    }()

    /// A sloppy station: slippery table, sticky pusher, up to three steps of latency, a bumped camera.
    public static let harsh: PushTReality = {
        var reality = PushTReality(name: "harsh")
        reality.blockTableFriction = .init(0.15, 1.0)
        reality.pusherBlockFriction = .init(0, 0.8)
        reality.blockMassScale = .init(0.5, 2)
        reality.blockInertiaScale = .init(0.5, 2)
        reality.trackingLagSeconds = .init(0, 0.08)
        reality.trackingGainScale = .init(0.5, 1.5)
        reality.latencySteps = .init(0, 3)
        reality.actionNoisePixels = .init(0, 3)
        reality.cameraShiftPixels = .init(-4, 4)
        reality.cameraRotationRadians = .init(-0.015, 0.015)
        reality.focalLengthError = .init(-0.015, 0.015)
        reality.exposureGain = .init(0.75, 1.25)
        reality.brightnessLevels = .init(-20, 20)
        return reality
    }()

    /// The shipped presets by name.
    public static let presets: [String: PushTReality] = ["clean": clean, "mild": mild, "harsh": harsh]

    /// Largest reality file read, in bytes.
    public static let maximumFileBytes = 64 * 1024

    /// Whether no range is set (the simulation stays bit-exact gym-pusht).
    public var isClean: Bool { draws.allSatisfy { $0.range == nil } }

    /// The preset named `nameOrPath` (`clean`, `mild`, `harsh`), or else the JSON file at that path.
    ///
    /// - Throws: ``PushTRealityError`` when the name is neither a preset nor a readable, valid file.
    public static func load(nameOrPath: String) throws(PushTRealityError) -> PushTReality {
        if let preset = presets[nameOrPath] { return preset }
        guard FileManager.default.fileExists(atPath: URL(fileURLWithPath: nameOrPath).path) else {
            throw .unknown("'\(nameOrPath)' is neither a preset (clean, mild, harsh) nor an existing file")
        }
        return try decode(RealityFile.read(nameOrPath), source: nameOrPath)
    }

    /// Decodes and validates a reality from JSON; `source` names it in messages.
    ///
    /// - Throws: ``PushTRealityError/invalid(_:)`` for malformed JSON, unknown keys or out-of-bounds ranges.
    public static func decode(_ data: Data, source: String = "reality file") throws(PushTRealityError) -> PushTReality {
        let dictionary = try RealityFile.object(data, source: source, example: "\"latencySteps\": [0, 2]")
        let known = Set(knownKeys)
        if let unknown = dictionary.keys.sorted().first(where: { !known.contains($0) }) {
            throw .invalid("\(source) has unknown key '\(unknown)'; known keys: \(knownKeys.joined(separator: ", "))")
        }
        let reality: PushTReality
        do { reality = try JSONDecoder().decode(PushTReality.self, from: data) } catch {
            throw .invalid("\(source): \(Self.describe(error))")
        }
        try reality.validate(source: source)
        return reality
    }

    /// Checks every range against its physical bounds.
    ///
    /// - Throws: ``PushTRealityError/invalid(_:)`` naming the first range out of bounds and its allowed interval.
    public func validate(source: String = "reality") throws(PushTRealityError) {
        try RealityFile.checkName(name, source: source)
        if let scale = pixelsPerMetre, !(scale.isFinite && scale >= 100 && scale <= 100_000) {
            throw .invalid("\(source): pixelsPerMetre is \(scale); use a value between 100 and 100000")
        }
        for draw in draws {
            guard let range = draw.range else { continue }
            try RealityFile.check(range, key: draw.key, bounds: draw.bounds, source: source)
        }
    }

    /// One range with its key, physical bounds and the value it stands for when missing.
    private struct Draw {
        let key: String
        let range: PushTRealityRange?
        let bounds: ClosedRange<Double>
    }

    /// Every range in draw order (the order is part of the format: a new range is appended, never inserted).
    private var draws: [Draw] {
        [
            Draw(key: "blockTableFriction", range: blockTableFriction, bounds: 0.01...5),
            Draw(key: "pusherBlockFriction", range: pusherBlockFriction, bounds: 0...2),
            Draw(key: "blockMassScale", range: blockMassScale, bounds: 0.1...10),
            Draw(key: "blockInertiaScale", range: blockInertiaScale, bounds: 0.1...10),
            Draw(key: "trackingLagSeconds", range: trackingLagSeconds, bounds: 0...1),
            Draw(key: "trackingGainScale", range: trackingGainScale, bounds: 0.1...5),
            Draw(key: "latencySteps", range: latencySteps, bounds: 0...10),
            Draw(key: "actionNoisePixels", range: actionNoisePixels, bounds: 0...50),
            Draw(key: "cameraShiftPixels", range: cameraShiftPixels, bounds: -50...50),
            Draw(key: "cameraRotationRadians", range: cameraRotationRadians, bounds: -0.5...0.5),
            Draw(key: "focalLengthError", range: focalLengthError, bounds: -0.3...0.3),
            Draw(key: "exposureGain", range: exposureGain, bounds: 0.2...5),
            Draw(key: "brightnessLevels", range: brightnessLevels, bounds: -128...128),
        ]
    }

    /// The perturbation of the episode with `seed`: every range drawn uniformly, in a fixed order, from a stream
    /// of its own derived from the seed; nil when the reality is clean.
    public func perturbation(seed: UInt64) -> PushTPerturbation? {
        guard !isClean else { return nil }
        var random = SplitMix64(seed: seed ^ 0x5EA1_17E5_0F7A_B1E5)
        func draw(_ range: PushTRealityRange?) -> Double? { PushTRealityRange.draw(range, from: &random) }
        var result = PushTPerturbation()
        let g = 9.81 * (pixelsPerMetre ?? 1000)
        result.blockTableDeceleration = draw(blockTableFriction).map { $0 * g }
        result.pusherBlockFriction = draw(pusherBlockFriction) ?? 0
        result.blockMassScale = draw(blockMassScale) ?? 1
        result.blockInertiaScale = draw(blockInertiaScale) ?? 1
        result.trackingLagSeconds = draw(trackingLagSeconds) ?? 0
        result.trackingGainScale = draw(trackingGainScale) ?? 1
        // Whole steps: each of low...high equally likely.
        result.latencySteps = draw(latencySteps.map { .init($0.low.rounded(.up), $0.high.rounded(.down) + 0.999_999) })
            .map { Int($0.rounded(.down)) } ?? 0
        result.actionNoisePixels = draw(actionNoisePixels) ?? 0
        result.camera.shiftX = draw(cameraShiftPixels) ?? 0
        result.camera.shiftY = draw(cameraShiftPixels) ?? 0
        result.camera.rotationRadians = draw(cameraRotationRadians) ?? 0
        result.camera.focalScale = 1 + (draw(focalLengthError) ?? 0)
        result.camera.exposureGain = draw(exposureGain) ?? 1
        result.camera.brightnessLevels = draw(brightnessLevels) ?? 0
        result.noiseSeed = random.next()
        return result
    }

    private static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context),
             DecodingError.dataCorrupted(let context):
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return "\(path.isEmpty ? "" : path + ": ")\(context.debugDescription)"
        case DecodingError.keyNotFound(let key, _):
            return "missing key '\(key.stringValue)'"
        default:
            return "\(error)"
        }
    }
}

extension PushTReality {
    /// Every key a reality file may hold.
    static var knownKeys: [String] {
        ["name", "pixelsPerMetre", "blockTableFriction", "pusherBlockFriction", "blockMassScale", "blockInertiaScale",
         "trackingLagSeconds", "trackingGainScale", "latencySteps", "actionNoisePixels", "cameraShiftPixels",
         "cameraRotationRadians", "focalLengthError", "exposureGain", "brightnessLevels"]
    }
}

/// A closed interval `[low, high]` a perturbation is drawn from uniformly; in JSON `[low, high]`, or one number for
/// a fixed value.
public struct PushTRealityRange: Sendable, Codable, Equatable {
    /// Lower end.
    public var low: Double
    /// Upper end.
    public var high: Double

    /// Creates `[low, high]`.
    public init(_ low: Double, _ high: Double) {
        self.low = low
        self.high = high
    }

    /// Decodes `[low, high]` or a single number (`low == high`).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let value = try? container.decode(Double.self) {
            self.init(value, value)
            return
        }
        let pair = try container.decode([Double].self)
        guard pair.count == 2 else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "a range is [low, high] or one number, got \(pair.count) numbers")
        }
        self.init(pair[0], pair[1])
    }

    /// Encodes `[low, high]`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode([low, high])
    }

    /// A value drawn uniformly from `range` with the next unit number of `random`, nil when there is no range.
    /// The unit number is taken either way, so a missing range leaves the draws after it where they were.
    static func draw(_ range: PushTRealityRange?, from random: inout SplitMix64) -> Double? {
        let u = random.nextUnitDouble()
        guard let range else { return nil }
        return range.low + (range.high - range.low) * u
    }
}

/// The concrete departures of one episode from gym-pusht, drawn from a ``PushTReality``. The initial values are
/// gym-pusht's (no departure).
public struct PushTPerturbation: Sendable, Codable, Equatable {
    /// Deceleration of a sliding block by table friction, px/s²; nil: gym-pusht (the block keeps no momentum).
    public var blockTableDeceleration: Double?
    /// Pusher-block friction coefficient.
    public var pusherBlockFriction: Double = 0
    /// Block mass multiplier.
    public var blockMassScale: Double = 1
    /// Block moment-of-inertia multiplier.
    public var blockInertiaScale: Double = 1
    /// First-order lag time constant of the tracked target, seconds.
    public var trackingLagSeconds: Double = 0
    /// Controller stiffness multiplier.
    public var trackingGainScale: Double = 1
    /// Control steps between a command and its arrival.
    public var latencySteps: Int = 0
    /// Standard deviation of the action noise, pixels.
    public var actionNoisePixels: Double = 0
    /// How the camera departs from its calibration during this episode.
    public var camera = PushTCameraChange()
    /// Seed of the per-step action noise.
    public var noiseSeed: UInt64 = 0

    /// Creates gym-pusht's values (no departure).
    public init() {}
}

/// How a Push-T camera departs from its calibration in one episode: moved (extrinsics), zoomed (intrinsics),
/// exposed differently (lighting). The initial values change nothing.
public struct PushTCameraChange: Sendable, Codable, Equatable {
    /// View shift along the image x axis, table pixels.
    public var shiftX: Double = 0
    /// View shift along the image y axis, table pixels.
    public var shiftY: Double = 0
    /// View rotation, radians.
    public var rotationRadians: Double = 0
    /// Focal length multiplier.
    public var focalScale: Double = 1
    /// Multiplier on every colour channel.
    public var exposureGain: Double = 1
    /// Brightness offset, 8-bit levels.
    public var brightnessLevels: Double = 0

    /// Creates the identity (no change).
    public init() {}

    /// Whether this changes nothing.
    public var isIdentity: Bool { self == PushTCameraChange() }

    /// `base` with this change applied on top.
    public func applied(to base: CameraPerturbation) -> CameraPerturbation {
        var result = base
        result.translationX += shiftX
        result.translationY += shiftY
        result.rotationRadians += rotationRadians
        result.scale *= focalScale
        result.channelGains = (base.channelGains.0 * exposureGain, base.channelGains.1 * exposureGain,
                               base.channelGains.2 * exposureGain)
        result.brightnessLevels += brightnessLevels
        return result
    }
}

/// Errors loading a reality.
public enum PushTRealityError: Error, Equatable, CustomStringConvertible {
    /// The name is neither a preset nor a file.
    case unknown(String)
    /// The file is unreadable, malformed or out of bounds.
    case invalid(String)

    /// A message a user can act on.
    public var description: String {
        switch self {
        case .unknown(let detail): return "unknown reality: \(detail)"
        case .invalid(let detail): return "invalid reality: \(detail)"
        }
    }
}
