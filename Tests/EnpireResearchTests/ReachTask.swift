import Enpire
import EnpireResearch
import EnpireTesting
import Foundation

/// A lab's own task, defined outside Enpire the way Docs/Tasks.md describes: a planar arm (EnpireTesting's mock)
/// must bring its tip within 0.03 of a target drawn from the seed, within 20 control steps. The policy is a
/// proportional controller whose gain is the recipe; the naive baseline's gain is too low to arrive in time.
struct ReachTask: ResearchTask {
    static let family = "reach.proportional"
    var name: String { "reach" }
    var aliases: [String] { ["reach-2d"] }
    var summary: String { "Reach: bring a planar arm's tip to a target drawn from the seed" }
    var space: RecipeSpace { RecipeSpace(family: Self.family, ranges: [ParameterRange("gain", 0.02, 1, log: true)]) }
    var baseline: Recipe { Recipe(family: Self.family, parameters: ["gain": 0.05]) }
    var episodeLimit: Int { 20 }
    var verdictIsGroundTruth: Bool { true }
    var criteria: TaskCriteria {
        TaskCriteria(task: TaskSpec(name: "reach", parameters: ["maxSteps": "20"]), rewardIdentity: "reach.distance<0.03",
                     resetIdentity: "reach.home-then-target", safetyLimits: "unit square",
                     successDefinition: "tip within 0.03 of the target")
    }

    func policy(for recipe: Recipe) throws -> any Policy {
        guard recipe.family == Self.family, let gain = recipe.parameters["gain"], gain > 0, gain <= 1 else {
            throw ResearchError.badRecipe("reach needs gain in (0, 1], got \(recipe)")
        }
        return ReachPolicy(gain: gain)
    }

    func makeStation(role: StationRole, name: String) async throws -> any ResearchStation {
        let clock = SimulatedClock()
        let scene = ReachScene()
        let arm = MockArm.planar(name: "arm", clock: clock)
        let station = try Station(configuration: .init(name: name, task: "reach"), arms: [arm],
                                  reward: ReachReward(), reset: ReachReset(scene: scene), featureSources: [scene],
                                  clock: clock)
        return ReachStation(station: station)
    }
}

/// Where the target is (set by the reset from the seed; read by the policy as a feature, as a tracker would give it).
actor ReachScene: FeatureSource {
    var target = [0.5, 0.5]
    func set(_ target: [Double]) { self.target = target }
    func features() async throws -> [String: [Double]] { ["reach.target": target] }
}

struct ReachReset: ResetRoutine {
    let scene: ReachScene
    var identity: String { "reach.home-then-target" }
    func reset(_ context: ResetContext) async throws -> ResetOutcome {
        var rng = SplitMix64(seed: context.seed)
        await scene.set([0.1 + 0.8 * rng.nextUnitDouble(), 0.1 + 0.8 * rng.nextUnitDouble()])
        // The arm goes home (the corner) through the safety gate, as a real reset would.
        _ = try await context.arms[0].send(ArmCommand(target: [0.05, 0.05]))
        return ResetOutcome(verified: true, attempts: 1, elapsedSeconds: 0.1, strategy: "home")
    }
}

struct ReachReward: RewardFunction {
    var identity: String { "reach.distance<0.03" }
    func evaluate(_ context: EpisodeContext) async throws -> Verdict {
        guard let tip = context.observation.arms.first?.position, let target = context.observation.features["reach.target"] else {
            return Verdict(success: false, score: 0, status: .unknown)
        }
        let distance = hypot(tip[0] - target[0], tip[1] - target[1])
        return Verdict(success: distance < 0.03, score: max(0, 1 - distance), status: distance < 0.03 ? .confirmedPass : .likelyFail)
    }
}

struct ReachPolicy: Policy {
    let gain: Double
    var name: String { "reach-p(\(gain))" }
    mutating func action(for observation: Observation) async throws -> [ArmCommand] {
        let tip = observation.arms[0].position
        let target = observation.features["reach.target"] ?? tip
        return [ArmCommand(target: zip(tip, target).map { $0 + gain * ($1 - $0) })]
    }
}

struct ReachStation: ResearchStation {
    let station: Station
    var liveStation: Station? { station }
    func runEpisode(policy: any Policy, seed: UInt64, split: String) async throws -> EpisodeOutcome {
        EpisodeOutcome(episode: try await station.runEpisode(policy: policy, seed: seed, maxSteps: 20,
                                                              tags: ["split": split]))
    }
}
