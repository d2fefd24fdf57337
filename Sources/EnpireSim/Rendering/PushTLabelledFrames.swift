public import Enpire
import Foundation

/// Labelled Push-T frames for calibrating and testing camera rewards: a rendered, JPEG-compressed frame of a
/// final scene, a reference frame of the same camera showing the goal marking with the block moved away, and the
/// simulator's exact coverage (the ground truth).
///
/// Every sample gets its own camera (pose error, lighting and sensor noise drawn from its seed), so a reward
/// calibrated on one set is tested on cameras it has never seen. The scenes mix what a station's final frames
/// show (``Kind``): expert episodes run to gym-pusht's termination (successes just past the 0.95 threshold),
/// expert episodes stopped early, untouched starts, and perturbed poses close to the goal (near misses).
public struct PushTLabelledFrames: Sendable {
    /// Where a sample's scene comes from.
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// The expert from a gym-pusht start until coverage passes 0.95 or the 300-step limit.
        case episodeEnd
        /// The expert stopped after a random share of the steps it needs (mostly failures).
        case cutShort
        /// A gym-pusht start state (far from the goal).
        case start
        /// The goal pose shifted by up to ~12 px and ~0.12 rad, agent nearby (coverage about 0.75-1).
        case nearGoal
    }

    /// One labelled frame.
    public struct Sample: Sendable {
        /// The final frame (JPEG, as a station stores it).
        public var frame: Frame
        /// A frame of the same camera with the block parked away from the goal.
        public var reference: Frame
        /// The scene.
        public var state: PushTState
        /// Exact coverage of the goal (gym-pusht's reward).
        public var coverage: Double
        /// Where the scene comes from.
        public var kind: Kind
        /// Ground truth: coverage above gym-pusht's success threshold.
        public var success: Bool { coverage > PushTGeometry.successThreshold }
    }

    /// Block parked in the top-right corner, agent bottom-right: the goal marking is fully visible.
    public static let referenceState = PushTState(agentX: 450, agentY: 450, blockX: 420, blockY: 90, blockAngle: 0)

    /// Frame size.
    public var resolution: ImageSize
    /// JPEG quality of the stored frames; nil keeps raw pixels.
    public var jpegQuality: Int?
    /// The camera of sample `seed`: by default ``CameraNoise/realistic(seed:)``.
    public var camera: @Sendable (UInt64) -> CameraNoise
    /// Share of each kind (normalised; order of `Kind.allCases`).
    public var mix: [Kind: Double]

    /// Creates a generator; by default 640x480 frames at JPEG quality 90 and a mix weighted towards hard cases.
    public init(resolution: ImageSize = ImageSize(width: 640, height: 480), jpegQuality: Int? = 90,
                mix: [Kind: Double] = [.episodeEnd: 0.3, .cutShort: 0.15, .start: 0.1, .nearGoal: 0.45],
                camera: @escaping @Sendable (UInt64) -> CameraNoise = { .realistic(seed: $0) }) {
        self.resolution = resolution
        self.jpegQuality = jpegQuality
        self.camera = camera
        self.mix = mix
    }

    /// `count` samples drawn from `seed` (the same seed gives the same samples).
    ///
    /// - Throws: when the resolution is invalid or the JPEG codec cannot start.
    public func make(count: Int, seed: UInt64) throws -> [Sample] {
        let total = Kind.allCases.reduce(0) { $0 + max(0, mix[$1] ?? 0) }
        guard total > 0 else { throw RenderingError.invalidNoise("PushTLabelledFrames.mix has no positive share") }
        var random = SplitMix64(seed: seed)
        let codec = try JPEGCodec()
        var samples: [Sample] = []
        samples.reserveCapacity(max(0, count))
        for index in 0..<max(0, count) {
            var pick = random.nextUnitDouble() * total
            var kind = Kind.nearGoal
            for candidate in Kind.allCases {
                pick -= max(0, mix[candidate] ?? 0)
                if pick < 0 { kind = candidate; break }
            }
            let state: PushTState
            switch kind {
            case .episodeEnd: state = Self.expertEpisode(seed: random.next() % 100_000, budget: nil)
            case .cutShort:
                state = Self.expertEpisode(seed: random.next() % 100_000,
                                           budget: 60 + Int(random.nextUnitDouble() * 200))
            case .start:
                let start = PushTSimulation.startState(seed: random.next() % 100_000)
                state = PushTState(agentX: start[0], agentY: start[1], blockX: start[2], blockY: start[3],
                                   blockAngle: start[4])
            case .nearGoal: state = Self.nearGoal(&random)
            }
            let cameraSeed = seed &* 7919 &+ UInt64(index)
            var renderer = try PushTRenderer(outputSize: resolution, noise: camera(cameraSeed))
            func frame(_ image: RGBImage) throws -> Frame {
                guard let jpegQuality else { return Frame(cameraName: "top", timestampSeconds: 0, image: image) }
                return Frame(cameraName: "top", timestampSeconds: 0, jpeg: try codec.encode(image, quality: jpegQuality))
            }
            samples.append(Sample(frame: try frame(renderer.render(state, frameIndex: 1)),
                                  reference: try frame(renderer.render(Self.referenceState, frameIndex: 0)),
                                  state: state, coverage: PushTCoverage.coverage(of: state), kind: kind))
        }
        return samples
    }

    /// The goal pose shifted by up to ~12 px and ~0.12 rad, the agent near the block but never overlapping it.
    static func nearGoal(_ random: inout SplitMix64) -> PushTState {
        let goal = PushTGeometry.goalPose
        let magnitude = random.nextUnitDouble()
        func symmetric(_ a: Double) -> Double { a * (2 * random.nextUnitDouble() - 1) }
        let dx = symmetric(12 * magnitude), dy = symmetric(12 * magnitude), da = symmetric(0.12 * magnitude)
        let blockX = goal.x + dx, blockY = goal.y + dy, blockAngle = goal.angle + da
        while true {
            let angle = 2 * Double.pi * random.nextUnitDouble()
            let distance = 40 + 100 * random.nextUnitDouble()
            let ax = goal.x + distance * cos(angle), ay = goal.y + 45 + distance * sin(angle)
            let c = cos(blockAngle), s = sin(blockAngle)
            let bx = c * (ax - blockX) + s * (ay - blockY), by = -s * (ax - blockX) + c * (ay - blockY)
            let margin = PushTGeometry.agentRadius + 3
            let inBar = bx > -60 - margin && bx < 60 + margin && by > -margin && by < 30 + margin
            let inStem = bx > -15 - margin && bx < 15 + margin && by > 30 && by < 120 + margin
            if !inBar && !inStem {
                return PushTState(agentX: ax, agentY: ay, blockX: blockX, blockY: blockY, blockAngle: blockAngle)
            }
        }
    }

    /// The expert from the start of `seed`, until success or the step limit, or for `budget` steps.
    static func expertEpisode(seed: UInt64, budget: Int?) -> PushTState {
        let simulation = PushTSimulation()
        simulation.reset(seed: seed)
        var expert = PushTHeuristicExpert()
        for _ in 0..<(budget ?? PushTGeometry.maxEpisodeSteps) {
            let target = expert.nextTarget(state: simulation.state, agentVelocity: simulation.agentVelocity)
            try? simulation.step(action: (target.x, target.y))
            if simulation.coverage > PushTGeometry.successThreshold { break }
        }
        return simulation.state
    }
}
