import Enpire
import EnpireReward
import EnpireSim

/// One episode of the camera-ended study (``PushTRewardStudy/runEpisodes(_:seed:model:expertTarget:workers:progress:)``):
/// its policy, step budget, camera (calibrated from its own goal-marking frame) and simulation, all drawn from
/// the study's seed and the episode's index, so a study and a trace of the same seed run the same episodes.
struct PushTStudyEpisode {
    /// `expert`, `expert-budget` or `idle`.
    let policy: String
    /// Steps the episode may run.
    let budget: Int
    /// This episode's camera calibration.
    let calibration: PushTCameraCalibration
    /// The latest rendered frame (the goal-marking frame before the first step).
    private(set) var image: RGBImage
    private var renderer: PushTRenderer
    private let simulation = PushTSimulation()
    private var expert: PushTHeuristicExpert

    /// Draws episode `index` of `seed` and calibrates its camera with `reward`.
    init(index: Int, seed: UInt64, reward: PushTCameraReward, resolution: ImageSize, expertTarget: Double) throws {
        var random = SplitMix64(seed: (seed << 24) ^ UInt64(index))
        let pick = random.nextUnitDouble()
        policy = pick < 0.5 ? "expert" : (pick < 0.85 ? "expert-budget" : "idle")
        budget = policy == "expert-budget" ? 40 + Int(random.nextUnitDouble() * 220) : PushTGeometry.maxEpisodeSteps
        renderer = try PushTRenderer(outputSize: resolution, noise: .realistic(seed: random.next()))
        image = renderer.render(PushTLabelledFrames.referenceState, frameIndex: 0)
        calibration = try reward.calibration(from: Frame(cameraName: "top", timestampSeconds: 0, image: image))
        simulation.reset(seed: random.next() % 1_000_000)
        expert = PushTHeuristicExpert(parameters: PushTPlannerParameters(targetCoverage: expertTarget))
    }

    /// The simulator's coverage of the current state (ground truth).
    var coverage: Double { simulation.coverage }

    /// The current frame as the camera sends it.
    var frame: Frame { Frame(cameraName: "top", timestampSeconds: 0, image: image) }

    /// Runs step `step` (0-based) of the policy and renders the frame that follows it.
    mutating func advance(step: Int) throws {
        if policy != "idle" {
            let target = expert.nextTarget(state: simulation.state, agentVelocity: simulation.agentVelocity)
            try simulation.step(action: (target.x, target.y))
        }
        renderer.render(simulation.state, into: &image, frameIndex: UInt64(step + 1))
    }
}
