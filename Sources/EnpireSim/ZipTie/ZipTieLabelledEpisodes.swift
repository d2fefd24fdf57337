public import Enpire
import Foundation

/// Labelled zip-tie episodes for measuring a camera verifier against the simulator's ground truth: each runs the
/// scripted bimanual expert, often deliberately perturbed so both outcomes are well represented, until a few
/// steps after the cut (or the step budget), moves the cutter clear of the tie, and renders both cameras.
///
/// A sample carries only what a real station would hand a verifier (the two final frames and both arms'
/// per-step readings: the left gripper's grasp force, the cutter's jaw opening) next to the ground truth
/// (``ZipTieReward``'s verdict). Every sample gets its own pair of cameras (noise drawn from its seed).
public struct ZipTieLabelledEpisodes: Sendable {
    /// How an episode's expert is perturbed.
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// The expert as it is.
        case nominal
        /// The cutter aims 0.5-12 mm along the tie from the mark (within 2 mm still cuts).
        case offMark
        /// The left arm pulls to between 4 mm short of and 1 mm beyond the tie's length, and the cutter does not
        /// wait for tension (the tie may be slack when cut).
        case slack
        /// The left arm never takes the tie; the cutter cuts at the mark regardless.
        case noHold
        /// Both arms halt after 10-70 steps.
        case stopEarly
    }

    /// One labelled episode.
    public struct Sample: Sendable {
        /// The episode's seed (tie, perturbation, cameras).
        public var seed: UInt64
        /// How the expert was perturbed.
        public var kind: Kind
        /// The final frames, one per camera (named after the view), JPEG when ``jpegQuality`` is set.
        public var frames: [Frame]
        /// Frames taken before the final ones (``ZipTieLabelledEpisodes/clipFrames`` − 1 per camera, oldest
        /// first), each with the ground truth at its own step (less ``ZipTieLabelledEpisodes/labelIgnoring``):
        /// before the cut a frame is a failure even in a successful episode. Empty by default.
        public var earlierFrames: [(frame: Frame, success: Bool)] = []
        /// The left arm's readings after every control step (`force` = [grasp force N]).
        public var leftReadings: [RobotState]
        /// The cutter's readings after every control step (`gripper` = jaw opening).
        public var cutterReadings: [RobotState]
        /// The final scene (ground truth; a verifier must not read it).
        public var state: ZipTieState
        /// ``ZipTieReward``'s verdict on the final scene.
        public var groundTruth: Verdict
        /// Ground-truth success.
        public var success: Bool { groundTruth.success }
    }

    /// Where the cutter waits, clear of the tie, when the final frames are taken.
    public static let clearCutterPose: [Double] = ZipTieGeometry.inspectionPose

    /// Frame size.
    public var resolution: ImageSize
    /// JPEG quality of the frames; nil keeps raw pixels.
    public var jpegQuality: Int?
    /// Step budget before the cutter is moved clear.
    public var maxSteps: Int
    /// Share of each kind (normalised).
    public var mix: [Kind: Double]
    /// The noise of camera `view` for episode `seed`.
    public var camera: @Sendable (UInt64, ZipTieRenderer.View) -> CameraNoise
    /// Frames per camera and episode (1...64), the final one last: the others are evenly spaced over the
    /// episode's second half and go into ``Sample/earlierFrames`` with the ground truth of their own step. 1, the
    /// default, renders the final frames alone.
    public var clipFrames: Int = 1
    /// Ground-truth votes left out of the earlier frames' labels (`Verdict.success(ignoring:)`): `["tension"]`
    /// labels each frame by what a camera can see (the tie cut at the mark), for a classifier that is fused with
    /// the grasp's tension vote. Empty by default (the full ground truth).
    public var labelIgnoring: Set<String> = []

    /// Creates a generator: 640 x 480 JPEG frames (quality 90), 160-step budget, about a third unperturbed.
    public init(resolution: ImageSize = ZipTieRenderer.defaultSize, jpegQuality: Int? = 90, maxSteps: Int = 160,
                mix: [Kind: Double] = [.nominal: 0.35, .offMark: 0.2, .slack: 0.15, .noHold: 0.1, .stopEarly: 0.2],
                camera: @escaping @Sendable (UInt64, ZipTieRenderer.View) -> CameraNoise = { seed, view in
                    ZipTieRenderer.realisticNoise(seed: seed ^ (view == .top ? 0x544F_50 : 0x4F42_4C51))
                }) {
        self.resolution = resolution
        self.jpegQuality = jpegQuality
        self.maxSteps = maxSteps
        self.mix = mix
        self.camera = camera
    }

    /// The kind episode `seed` gets under ``mix``.
    public func kind(seed: UInt64) -> Kind {
        var random = SplitMix64(seed: seed ^ 0x5A4B_494E_44)
        return random.pick(mix, otherwise: .nominal)
    }

    /// Runs episode `seed` and renders its final frames.
    ///
    /// - Throws: ``RenderingError`` for an invalid resolution or camera, or a JPEG error.
    public func sample(seed: UInt64, codec: JPEGCodec? = nil) throws -> Sample {
        let kind = kind(seed: seed)
        var random = SplitMix64(seed: seed ^ 0x5A50_4552_54)
        var parameters = ZipTieExpert.Parameters()
        var markShift = 0.0, stopAfter = Int.max
        switch kind {
        case .nominal, .noHold: break
        case .offMark:
            let magnitude = 0.5 + 11.5 * random.nextUnitDouble()
            markShift = random.nextUnitDouble() < 0.5 ? -magnitude : magnitude
        case .slack:
            parameters.pullBeyond = -4 + 5 * random.nextUnitDouble()
            parameters.tensionFactor = 0
        case .stopEarly: stopAfter = 10 + Int(random.next() % 61)
        }
        let simulation = ZipTieSimulation()
        simulation.reset(seed: seed)
        var expert = ZipTieExpert(parameters: parameters)
        var leftReadings: [RobotState] = [], cutterReadings: [RobotState] = []
        leftReadings.reserveCapacity(maxSteps + 20)
        cutterReadings.reserveCapacity(maxSteps + 20)
        var left = ArmCommand.moveTo(ZipTieGeometry.leftStart, gripper: 1)
        var cutter = ArmCommand.moveTo(ZipTieGeometry.rightStart, gripper: 1)
        var cutStep: Int?
        var scenes: [(scene: ZipTieScene, success: Bool)] = []
        func record() {
            if clipFrames > 1 {
                scenes.append((simulation.scene,
                               ZipTieReward.verdict(state: simulation.state).success(ignoring: labelIgnoring)))
            }
            let s = simulation.state
            leftReadings.append(RobotState(position: s.leftHand, velocity: [0, 0], gripper: s.leftGripper,
                                           force: [s.tension]))
            cutterReadings.append(RobotState(position: s.cutter, velocity: [0, 0, 0], gripper: s.jawOpening))
        }
        for step in 0..<max(1, maxSteps) {
            let s = simulation.state
            if step < stopAfter {
                var mark = s.mark + [s.markDirection]
                mark[0] += markShift * cos(s.markDirection)
                mark[1] += markShift * sin(s.markDirection)
                var leftState = RobotState(position: s.leftHand, velocity: [0, 0], gripper: s.leftGripper)
                var stretch = s.stretch, tension = s.tension, grasped = s.grasped
                switch kind {
                case .slack where grasped:
                    stretch = max(stretch, 0.99)
                case .noHold:
                    // Pretend the tie is held and taut so the cutter goes ahead; the left arm stays away.
                    leftState = RobotState(position: s.freeEnd, velocity: [0, 0], gripper: 0)
                    stretch = 0.99
                    tension = 10
                    grasped = true
                default: break
                }
                let commands = expert.commands(
                    left: leftState, cutter: RobotState(position: s.cutter, velocity: [0, 0, 0], gripper: s.jawOpening),
                    anchor: s.anchor, freeEnd: s.freeEnd, mark: mark, stretch: stretch, tension: tension,
                    grasped: grasped, cut: s.cut)
                left = kind == .noHold ? .moveTo(ZipTieGeometry.leftStart, gripper: 1) : commands[0]
                cutter = commands[1]
            }
            // Commands are finite functions of finite observations.
            try? simulation.step(left: left.target, leftGripper: left.gripper ?? 1, right: cutter.target,
                                 jaws: cutter.gripper ?? 1)
            record()
            if cutStep == nil, simulation.state.cut { cutStep = step }
            if let cutStep, step >= cutStep + 8 { break }
        }
        // The cutter opens and moves clear before the final frames; the left arm keeps its last command.
        for _ in 0..<12 {
            try? simulation.step(left: left.target, leftGripper: left.gripper ?? 1, right: Self.clearCutterPose,
                                 jaws: 1)
            record()
        }
        var renderers = try ZipTieRenderer.View.allCases.map {
            try ZipTieRenderer(view: $0, outputSize: resolution, noise: camera(seed, $0))
        }
        let encoder = jpegQuality == nil ? nil : try (codec ?? JPEGCodec())
        func render(_ scene: ZipTieScene, step: Int) throws -> [Frame] {
            let time = Double(step) / ZipTieGeometry.controlRateHz
            return try renderers.indices.map { index in
                let image = renderers[index].render(scene, frameIndex: UInt64(step))
                var frame = Frame(cameraName: renderers[index].view.rawValue, timestampSeconds: time)
                if let quality = jpegQuality, let encoder {
                    frame.jpeg = try encoder.encode(image, quality: quality)
                } else {
                    frame.image = image
                }
                return frame
            }
        }
        var earlierFrames: [(frame: Frame, success: Bool)] = []
        let count = min(clipFrames, 64), steps = scenes.count
        if count > 1 {
            for i in (1..<count).reversed() {
                let step = max(1, steps - (steps / 2) * i / count)
                earlierFrames += try render(scenes[step - 1].scene, step: step).map { ($0, scenes[step - 1].success) }
            }
        }
        let state = simulation.state
        let frames = try render(simulation.scene, step: leftReadings.count)
        return Sample(seed: seed, kind: kind, frames: frames, earlierFrames: earlierFrames, leftReadings: leftReadings,
                      cutterReadings: cutterReadings, state: state, groundTruth: ZipTieReward.verdict(state: state))
    }
}
