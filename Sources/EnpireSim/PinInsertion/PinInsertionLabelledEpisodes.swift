public import Enpire
import Foundation

/// Labelled pin-insertion episodes for measuring a camera verifier against the simulator's ground truth: each
/// runs the scripted expert, often deliberately perturbed so both outcomes are well represented, for a fixed
/// number of control steps, then renders the side camera at the final step.
///
/// A sample carries only what a real station would hand a verifier (the final frame, the arm's hand pose and its
/// per-step force estimates) next to the ground truth (``PinInsertionReward``'s verdict and the scene). Every
/// sample gets its own camera (pose error, lighting and sensor noise drawn from its seed).
public struct PinInsertionLabelledEpisodes: Sendable {
    /// How an episode's expert is perturbed.
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// The expert as it is (with the seed's small hole-estimate bias).
        case nominal
        /// The hole estimate is off by 1.5-6 mm (beyond the expert's ±1.5 mm search for most seeds).
        case wrongHole
        /// Once in, the expert pushes the tip to 28-34 mm (the hole is 30 mm deep): contact force stays high.
        case tooMuchForce
        /// The hand is tilted by 0.03-0.15 rad against the hole axis throughout.
        case tilted
        /// The hand halts where it is after 8-45 steps.
        case stopEarly
    }

    /// One labelled episode.
    public struct Sample: Sendable {
        /// The episode's seed (hole pose, estimate bias, perturbation, camera).
        public var seed: UInt64
        /// How the expert was perturbed.
        public var kind: Kind
        /// The side camera's frame at the final step (JPEG when ``jpegQuality`` is set).
        public var frame: Frame
        /// The arm's reported hand pose [x, y, angle] at the final step.
        public var handPose: [Double]
        /// The arm's force estimate [fx, fy] in newtons after every control step, in order.
        public var forces: [[Double]]
        /// The final scene (ground truth; a verifier must not read it).
        public var state: PinInsertionState
        /// ``PinInsertionReward``'s verdict on the final scene.
        public var groundTruth: Verdict
        /// Ground-truth success.
        public var success: Bool { groundTruth.success }
    }

    /// Frame size.
    public var resolution: ImageSize
    /// JPEG quality of the frames; nil keeps raw pixels.
    public var jpegQuality: Int?
    /// Control steps per episode (the expert needs 31-49 to insert and then holds).
    public var steps: Int
    /// Share of each kind (normalised).
    public var mix: [Kind: Double]
    /// The camera of episode `seed`.
    public var camera: @Sendable (UInt64) -> CameraNoise

    /// Creates a generator: 640 x 480 JPEG frames (quality 90), 90-step episodes, a mix with about a third
    /// unperturbed episodes.
    public init(resolution: ImageSize = PinInsertionRenderer.defaultSize, jpegQuality: Int? = 90, steps: Int = 90,
                mix: [Kind: Double] = [.nominal: 0.35, .wrongHole: 0.15, .tooMuchForce: 0.15, .tilted: 0.15,
                                       .stopEarly: 0.2],
                camera: @escaping @Sendable (UInt64) -> CameraNoise = {
                    PinInsertionRenderer.realisticNoise(seed: $0 ^ 0x5349_4445_4341_4D)
                }) {
        self.resolution = resolution
        self.jpegQuality = jpegQuality
        self.steps = steps
        self.mix = mix
        self.camera = camera
    }

    /// The kind episode `seed` gets under ``mix``.
    public func kind(seed: UInt64) -> Kind {
        var random = SplitMix64(seed: seed ^ 0x4B49_4E44)
        return random.pick(mix, otherwise: .nominal)
    }

    /// Runs episode `seed` and renders its final frame.
    ///
    /// - Throws: ``RenderingError`` for an invalid resolution or camera, or a JPEG error.
    public func sample(seed: UInt64, codec: JPEGCodec? = nil) throws -> Sample {
        let kind = kind(seed: seed)
        var random = SplitMix64(seed: seed ^ 0x5045_5254_5552_42)
        func signed(_ low: Double, _ high: Double) -> Double {
            let magnitude = low + (high - low) * random.nextUnitDouble()
            return random.nextUnitDouble() < 0.5 ? -magnitude : magnitude
        }
        let simulation = PinInsertionSimulation()
        let pose = PinInsertionSimulation.holePose(seed: seed)
        var bias = PinInsertionSimulation.holeEstimateBias(seed: seed)
        simulation.setHole(x: pose.x, angle: pose.angle)
        var pushDepth = 24.0, tilt = 0.0, stopAfter = Int.max
        switch kind {
        case .nominal: break
        case .wrongHole: bias += signed(1.5, 6)
        case .tooMuchForce: pushDepth = 28 + 6 * random.nextUnitDouble()
        case .tilted: tilt = signed(0.03, 0.15)
        case .stopEarly: stopAfter = 8 + Int(random.next() % 38)
        }
        let estimate = [pose.x + bias, 0, pose.angle]
        let down = (x: sin(pose.angle), y: -cos(pose.angle))
        var expert = PinInsertionExpert()
        var forces: [[Double]] = []
        forces.reserveCapacity(steps)
        var target = simulation.state.hand
        for step in 0..<max(1, steps) {
            let state = simulation.state
            if step == stopAfter {
                // Stopping halts the hand where it is (not at the last commanded depth).
                target = state.hand
            } else if step < stopAfter {
                target = expert.nextTarget(hand: state.hand, force: state.force, holePose: estimate)
                // The expert holds at 24 mm; a perturbed one goes on pushing to `pushDepth`.
                let tipX = target[0] + PinInsertionGeometry.handToTip * down.x - estimate[0]
                let tipY = target[1] + PinInsertionGeometry.handToTip * down.y - estimate[1]
                if tipX * down.x + tipY * down.y >= 23.9, pushDepth > 24 {
                    target[0] += (pushDepth - 24) * down.x
                    target[1] += (pushDepth - 24) * down.y
                }
                target[2] += tilt
            }
            // Targets are finite sums of finite observations.
            try? simulation.step(target: target)
            forces.append(simulation.state.force)
        }
        let state = simulation.state
        var renderer = try PinInsertionRenderer(outputSize: resolution, noise: camera(seed))
        let image = renderer.render(state, frameIndex: UInt64(steps))
        var frame = Frame(cameraName: "side", timestampSeconds: Double(steps) / PinInsertionGeometry.controlRateHz)
        if let quality = jpegQuality {
            let jpeg = try (codec ?? JPEGCodec()).encode(image, quality: quality)
            frame.jpeg = jpeg
        } else {
            frame.image = image
        }
        return Sample(seed: seed, kind: kind, frame: frame, handPose: state.hand, forces: forces, state: state,
                      groundTruth: PinInsertionReward.verdict(state: state, lowForceStreak: simulation.lowForceStreak))
    }
}
