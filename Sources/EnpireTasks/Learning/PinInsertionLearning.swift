public import Enpire
import EnpireLearning
public import EnpireReward
import EnpireSim
import Foundation

/// The pin-insertion policy's input, built from a station `Observation`, and the map between the policy's
/// output and a hand target.
///
/// Everything is expressed in the frame of the hole as the policy knows it (mouth point, hole angle):
/// - `camera`: the mouth and angle come from `PinInsertionFrameAnalyzer/measureHole(_:)` on the side camera's frames (the
///   fiducials calibrate every frame). The block does not move during an episode, so the source measures the
///   first ``localisationFrames`` frames it gets a measurement from, averages them and then holds the estimate
///   (``wantsFrame`` turns false: a station need not stream frames after locating the part). Nothing in
///   `observation.features` is read.
/// - `state` (**privileged**): the exact mouth and angle, derived from the simulator's ground-truth features
///   `PinInsertionFeatures/pinPose` and `PinInsertionFeatures/insertion`.
///
/// Both modes add the arm's proprioception (hand pose and velocity) and its force estimate, so the input layout
/// is the same and a policy trained on one mode can be scored on the other.
public final class PinInsertionPolicyInput {
    /// What the input is built from.
    public let mode: ObservationMode
    /// Frames averaged into the hole estimate before it is held.
    public let localisationFrames: Int
    private let analyzer: PinInsertionFrameAnalyzer
    private var sums = [0.0, 0.0, 0.0]
    private var measured = 0
    /// The hole mouth and angle the policy uses now ([x mm, y mm, angle rad]), nil before the first estimate.
    public private(set) var hole: [Double]?

    /// Names of the input vector's entries.
    public static let inputNames = ["hand_lateral_mm", "tip_depth_mm", "hand_angle_rel_rad", "hole_angle_rad",
                                    "force_axial_N", "force_lateral_N", "velocity_lateral_mm_s",
                                    "velocity_down_mm_s"]
    /// Names of the output vector's entries (hand target in the hole frame).
    public static let outputNames = ["target_lateral_mm", "target_tip_depth_mm", "target_angle_rel_rad"]

    /// Creates a source for one episode.
    public init(mode: ObservationMode, localisationFrames: Int = 3,
                analyzer: PinInsertionFrameAnalyzer = PinInsertionFrameAnalyzer()) {
        self.mode = mode
        self.localisationFrames = max(1, localisationFrames)
        self.analyzer = analyzer
    }

    /// Forgets the hole estimate (a new episode).
    public func reset() {
        sums = [0, 0, 0]
        measured = 0
        hole = nil
    }

    /// Whether the next observation should carry a side-camera frame (camera mode, still localising).
    public var wantsFrame: Bool { mode == .camera && measured < localisationFrames }

    /// The input vector for `observation`.
    ///
    /// - Throws: ``LearningError/observation(_:)`` when the hand state is missing, the camera has not yet given
    ///   a measurable frame (camera), or the ground-truth features are missing (state).
    public func vector(from observation: Observation) throws(LearningError) -> [Float] {
        guard let arm = observation.arms.first, arm.position.count == 3 else {
            throw .observation("pin insertion needs the hand's state [x, y, angle]")
        }
        try updateHole(observation)
        guard let hole else { throw .observation("no hole estimate yet") }
        let a = hole[2]
        let down = (x: sin(a), y: -cos(a)), across = (x: cos(a), y: sin(a))
        let rx = arm.position[0] - hole[0], ry = arm.position[1] - hole[1]
        let force = (arm.force?.count ?? 0) >= 2 ? arm.force! : [0, 0]
        let velocity = arm.velocity.count >= 2 ? arm.velocity : [0, 0]
        let values = [
            rx * across.x + ry * across.y,
            rx * down.x + ry * down.y + PinInsertionGeometry.handToTip,
            arm.position[2] - a,
            a,
            -(force[0] * down.x + force[1] * down.y),
            force[0] * across.x + force[1] * across.y,
            velocity[0] * across.x + velocity[1] * across.y,
            velocity[0] * down.x + velocity[1] * down.y,
        ]
        return values.map(Float.init)
    }

    /// The hand target [x, y, angle] a policy output stands for (after ``vector(from:)`` set the hole).
    public func handTarget(output: [Float]) -> [Double] {
        guard let hole, output.count == 3 else { return PinInsertionGeometry.startPose }
        let a = hole[2]
        let down = (x: sin(a), y: -cos(a)), across = (x: cos(a), y: sin(a))
        let lateral = Double(output[0]), depth = Double(output[1]) - PinInsertionGeometry.handToTip
        return [hole[0] + depth * down.x + lateral * across.x, hole[1] + depth * down.y + lateral * across.y,
                a + Double(output[2])]
    }

    /// The policy output that reproduces hand target `target` (the teacher's label in the policy's frame).
    public func output(handTarget target: [Double]) -> [Float] {
        guard let hole, target.count == 3 else { return [0, 0, 0] }
        let a = hole[2]
        let down = (x: sin(a), y: -cos(a)), across = (x: cos(a), y: sin(a))
        let rx = target[0] - hole[0], ry = target[1] - hole[1]
        return [Float(rx * across.x + ry * across.y),
                Float(rx * down.x + ry * down.y + PinInsertionGeometry.handToTip), Float(target[2] - a)]
    }

    private func updateHole(_ observation: Observation) throws(LearningError) {
        switch mode {
        case .state:
            guard let pin = observation.features[PinInsertionFeatures.pinPose], pin.count == 3,
                  let insertion = observation.features[PinInsertionFeatures.insertion], insertion.count == 3 else {
                throw .observation("state observation needs the simulator features \(PinInsertionFeatures.pinPose) "
                    + "and \(PinInsertionFeatures.insertion)")
            }
            let a = pin[2] - insertion[2]
            let half = PinInsertionGeometry.pinLength / 2
            let tipX = pin[0] + half * sin(pin[2]), tipY = pin[1] - half * cos(pin[2])
            let depth = insertion[0], lateral = insertion[1]
            hole = [tipX - depth * sin(a) - lateral * cos(a), tipY + depth * cos(a) - lateral * sin(a), a]
        case .camera:
            guard measured < localisationFrames else { return }
            let name = analyzer.model.cameraName
            guard let image = observation.frames[name]?.image else {
                if hole == nil {
                    throw .observation("camera observation needs a decoded frame from camera \"\(name)\"")
                }
                return
            }
            guard let measurement = try? analyzer.measureHole(image) else {
                if hole == nil, observation.stepIndex > 20 {
                    throw .observation("the side camera has not located the hole in 20 frames")
                }
                return
            }
            sums[0] += measurement.mouth[0]
            sums[1] += measurement.mouth[1]
            sums[2] += measurement.angle
            measured += 1
            hole = sums.map { $0 / Double(measured) }
        }
    }
}

/// The pin expert's moves re-decided from the current state at every step (a closed-loop teacher whose label
/// depends only on the state it is asked about, so it can relabel learner-visited states): with the exact hole
/// pose it needs no search. Above the hole it aligns the tip 10 mm over the mouth at the hole angle; aligned
/// (within 0.15 mm and 0.01 rad) it descends 3 mm ahead of the hand (the PD then moves about 1.5 mm per step,
/// the expert's descent rate); inside it keeps descending to 24 mm while shifting by half the side-wall force
/// over the grasp stiffness (the expert's centring), and holds there.
struct PinInsertionClosedLoopTeacher {
    func handTarget(_ state: PinInsertionState, hole: [Double]) -> [Double] {
        handTarget(hand: state.hand, force: state.force, hole: hole)
    }

    /// The same from the hand pose [x, y, angle] and the pin's contact force [fx, fy] (a station's arm readings).
    func handTarget(hand: [Double], force: [Double], hole: [Double]) -> [Double] {
        let g = PinInsertionGeometry.self
        let a = hole[2]
        let down = (x: sin(a), y: -cos(a)), across = (x: cos(a), y: sin(a))
        let rx = hand[0] - hole[0], ry = hand[1] - hole[1]
        let handDepth = rx * down.x + ry * down.y + g.handToTip
        let handLateral = rx * across.x + ry * across.y
        let lateralForce = force.count >= 2 ? force[0] * across.x + force[1] * across.y : 0
        let centring = handLateral + 0.5 * lateralForce / g.graspStiffness
        let aligned = abs(handLateral) < 0.15 && abs(hand[2] - a) < 0.01
        let depth: Double, lateral: Double
        if handDepth > 2 {
            (depth, lateral) = (min(handDepth + 3, 24), centring)
        } else if aligned, handDepth > -12 {
            (depth, lateral) = (handDepth + 3, 0)
        } else {
            (depth, lateral) = (-10, 0)
        }
        return [hole[0] + (depth - g.handToTip) * down.x + lateral * across.x,
                hole[1] + (depth - g.handToTip) * down.y + lateral * across.y, a]
    }
}

/// One headless pin-insertion episode for the learning loop: the simulation, the side camera (realistic noise
/// drawn from the seed), the policy-input source and the expert teacher, which reads the exact hole pose.
final class PinInsertionImitationEpisode: ImitationEpisode {
    let simulation = PinInsertionSimulation()
    let source: PinInsertionPolicyInput
    private var renderer: PinInsertionRenderer?
    private var image = RGBImage(size: PinInsertionRenderer.defaultSize)
    private let teacher = PinInsertionClosedLoopTeacher()
    private var stepIndex = 0

    init(seed: UInt64, mode: ObservationMode, reality: TaskReality = PinInsertionReality.clean) {
        let pose = PinInsertionSimulation.holePose(seed: seed)
        simulation.perturbation = PinInsertionReality.perturbation(reality, seed: seed)
        simulation.setHole(x: pose.x, angle: pose.angle)
        source = PinInsertionPolicyInput(mode: mode)
        if mode == .camera {
            renderer = try? PinInsertionRenderer(noise: PinInsertionRenderer.realisticNoise(seed: seed ^ 0xCA3E_7A))
        }
    }

    /// The station observation now: hand state with force, the side frame while the source wants one, and the
    /// simulator's features (ground truth included; the camera source ignores them).
    func observation() -> Observation {
        let state = simulation.state
        var frames: [String: Frame] = [:]
        if source.wantsFrame, var renderer {
            renderer.render(state, into: &image, frameIndex: UInt64(stepIndex))
            self.renderer = renderer
            frames["side"] = Frame(cameraName: "side", timestampSeconds: Double(stepIndex) * 0.05, image: image)
        }
        let arm = RobotState(position: state.hand, velocity: state.handVelocity, gripper: 0, force: state.force,
                             timestampSeconds: Double(stepIndex) * 0.05)
        let features: [String: [Double]] = [
            PinInsertionFeatures.force: state.force, PinInsertionFeatures.pinPose: state.pin,
            PinInsertionFeatures.insertion: [state.depth, state.lateralOffset, state.angleError],
        ]
        return Observation(stepIndex: stepIndex, elapsedSeconds: Double(stepIndex) * 0.05, arms: [arm],
                           frames: frames, features: features)
    }

    func policyInput() throws -> [Float] {
        try source.vector(from: observation())
    }

    func teacherOutput() -> [Float] {
        let target = teacher.handTarget(simulation.state, hole: [simulation.holeX, 0, simulation.holeAngle])
        return source.output(handTarget: target)
    }

    func apply(_ output: [Float]) throws {
        let target = source.handTarget(output: output)
        let low = PinInsertionGeometry.lowerLimits, high = PinInsertionGeometry.upperLimits
        try simulation.step(target: target.indices.map { min(max(target[$0], low[$0]), high[$0]) })
        stepIndex += 1
    }

    private var verdict: Verdict {
        PinInsertionReward.verdict(state: simulation.state, lowForceStreak: simulation.lowForceStreak)
    }

    var succeeded: Bool { verdict.success }

    var taskScore: Double { verdict.score }
}

extension ImitationTask {
    /// Pin insertion (`pin-insertion`): behaviour cloning or DAgger from the closed-loop form of
    /// `PinInsertionExpert` (the teacher reads the exact hole pose: privileged, for labels only), policy input
    /// from ``PinInsertionPolicyInput``; `residual-sac` over such a checkpoint with a station-measured reward.
    public static var pinInsertion: ImitationTask {
        var loop = ImitationLoop(
            task: "pin-insertion", inputNames: PinInsertionPolicyInput.inputNames,
            outputNames: PinInsertionPolicyInput.outputNames, maxSteps: PinInsertionGeometry.maxEpisodeSteps,
            periodSeconds: 1 / PinInsertionGeometry.controlRateHz) { seed, mode in
            PinInsertionImitationEpisode(seed: seed, mode: mode)
        }
        loop.makeRealityEpisode = { PinInsertionImitationEpisode(seed: $0, mode: $1, reality: $2) }
        loop.loadReality = { (name: String) throws(PushTRealityError) in try PinInsertionReality.load(nameOrPath: name) }
        loop.stationReward = { PinInsertionStationReward() }
        loop.stationRewardDescription = PinInsertionStationReward.description
        loop.residualStation = ResidualStationSetup(
            makeStation: { name, cameraSeed in
                let rl = try PinRLStation(name: name, cameraSeed: cameraSeed)
                return ResidualStationHandle(station: rl.station) { await rl.groundTruth() }
            },
            makeMap: { base, scale, teacher in PinResidualActionMap(base: base, scale: scale, teacher: teacher) },
            shaping: PinRLStation.shaping, rewardDescription: PinRLStation.rewardDescription)
        return ImitationTask(loop: loop)
    }
}
