import Enpire
import EnpireLearning
import EnpireReward
import EnpireSim
import Foundation

/// The pin-insertion residual on a station: the actor's observation is the base policy's normalised input (from
/// ``PinInsertionPolicyInput`` on the station's observation: side-camera hole estimate, hand proprioception,
/// force) followed by the base's normalised output; an action `r ∈ [−1, 1]³` asks for the hand target of
/// `base(x) + scale ⊙ r`, unclamped (the station's envelope bounds it).
///
/// With `teacher`, the closed-loop expert acts instead (it reads the exact hole pose from the simulator's
/// features: **privileged**, for RLPD demonstrations only), its label projected into the residual's reach;
/// the transition records the residual action that projection stands for.
struct PinResidualActionMap: StationActionMap {
    let base: ImitationModel
    let scale: [Float]
    let teacher: Bool
    private let source = PinInsertionPolicyInput(mode: .camera)
    private let exact = PinInsertionPolicyInput(mode: .state)
    private var baseOutput: [Float] = []

    init(base: ImitationModel, scale: [Float], teacher: Bool) {
        self.base = base
        self.scale = scale
        self.teacher = teacher
    }

    var observationWidth: Int { base.info.network.inputFeatures + scale.count }
    var actionWidth: Int { scale.count }

    mutating func beginEpisode() {
        source.reset()
        exact.reset()
        baseOutput = []
    }

    mutating func observation(from observation: Observation) throws -> [Float] {
        let input = try source.vector(from: observation)
        baseOutput = try base.predict(input)
        return ResidualPolicy.actorObservation(input: input, baseOutput: baseOutput, base: base.info)
    }

    mutating func act(_ action: [Float], on observation: Observation) throws -> StationAction {
        var residual = (0..<scale.count).map { j in j < action.count ? min(max(action[j], -1), 1) : 0 }
        if teacher, let arm = observation.arms.first {
            _ = try exact.vector(from: observation)
            if let hole = exact.hole {
                let label = source.output(handTarget: PinInsertionClosedLoopTeacher().handTarget(
                    hand: arm.position, force: arm.force ?? [0, 0], hole: hole))
                residual = (0..<scale.count).map { j in
                    scale[j] > 0 ? min(max((label[j] - baseOutput[j]) / scale[j], -0.999), 0.999) : 0
                }
            }
        }
        let output = (0..<scale.count).map { baseOutput[$0] + scale[$0] * residual[$0] }
        return StationAction(commands: [.moveTo(source.handTarget(output: output))], action: residual)
    }
}

/// A simulated pin-insertion station for RL, composed like `PinResearchTask`'s: the hand (its envelope: the
/// arm's own limits), the side camera with realistic noise, `PinInsertionCameraVerifier` as the reward (side
/// camera + the arm's hand pose and force estimate), the robot-driven `PinInsertionReset`, the world as a feature
/// source (its ground-truth features are read only by the privileged teacher), and a simulated clock.
struct PinRLStation: Sendable {
    let station: Station
    private let world: PinInsertionWorld

    init(name: String, cameraSeed: UInt64, recorder: (any EpisodeRecorder)? = nil) throws {
        let parts = PinInsertionStation()
        let camera = try PinInsertionCamera(noise: PinInsertionRenderer.realisticNoise(seed: cameraSeed),
                                            clock: parts.clock) { await parts.world.state }
        station = try Station(configuration: .init(name: name, task: "pin-insertion"), arms: [parts.arm],
                              cameras: [camera], reward: PinInsertionCameraVerifier(), reset: parts.reset,
                              recorder: recorder, featureSources: [parts.world], clock: parts.clock)
        world = parts.world
    }

    /// The simulator's success rule and task score on the scene now (scoring only: the learner never sees it).
    func groundTruth() async -> (success: Bool, score: Double) {
        let verdict = PinInsertionReward.verdict(state: await world.state, lowForceStreak: await world.lowForceStreak)
        return (verdict.success, verdict.score)
    }

    /// Rewards from the station's measurements: 1 × the change of the verifier's score (0.99 × measured depth /
    /// 20 mm; 1 on its success), +1 on the verifier's success (terminal), −0.002 per step, −0.01 per newton of the
    /// arm's force estimate above 3 N after the step.
    static let shaping = StationRewardShaping(progressWeight: 1, successBonus: 1, stepCost: 0.002) { arms in
        guard let force = arms.first?.force, force.count >= 2 else { return 0 }
        let magnitude = (force[0] * force[0] + force[1] * force[1]).squareRoot()
        return Float(0.01 * max(0, magnitude - PinInsertionGeometry.forceBound))
    }

    static let rewardDescription = "station-measured (PinInsertionCameraVerifier on the station): Δ verifier score "
        + "(0.99 × camera-measured depth / 20 mm, 1 on success), +1 and episode end on the verifier's success "
        + "(depth ≥ 20 mm, aligned, |F| ≤ 3 N for 5 steps), −0.002/step, −0.01/N of the arm's force estimate above "
        + "3 N (no simulator state)"
}
