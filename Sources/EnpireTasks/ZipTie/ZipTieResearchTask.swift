public import Enpire
public import EnpireResearch
import EnpireReward
import EnpireSim
import Foundation

/// Zip-tie cutting as a research task: the bimanual scripted expert's recipe (pull beyond the tie length, tension
/// before cutting, approach distance, closing tolerance) on simulated stations judged by their top and oblique
/// cameras plus the left gripper's grasp force (`ZipTieCameraVerifier`); held-out successes are counted by the
/// simulator's rule.
///
/// The expert reads the simulator's exact tie features (anchor, free end, mark): its results are privileged, and
/// reports say so.
public struct ZipTieResearchTask: RecordingResearchTask {
    /// Creates the task.
    public init() {}

    /// The realities its stations live in (`ZipTieReality`; clean by default).
    public var realities = TaskRealityOptions()

    /// `reality=NAME|FILE`, `held-out-reality=NAME|FILE`.
    public var options: [String: String] { TaskRealityOptions.help(task: name) }

    /// The task with `options` applied.
    public func configured(_ options: [String: String]) throws -> any ResearchTask {
        try TaskRealityOptions.configured(self, options, realities: \.realities, model: ZipTieReality.self)
    }

    /// The expert recipe family.
    public static let family = "ziptie.expert"

    /// `ziptie`.
    public var name: String { "ziptie" }
    /// `zip-tie`.
    public var aliases: [String] { ["zip-tie"] }
    /// One line.
    public var summary: String { "Zip-tie cutting: grasp and tension the tie, cut it at the mark (bimanual)" }
    /// The expert's searched parameters.
    public var space: RecipeSpace {
        RecipeSpace(family: Self.family, ranges: [
            ParameterRange("pullBeyond", -3, 10), ParameterRange("tensionFactor", 0, 4),
            ParameterRange("approachDistance", 10, 60), ParameterRange("closeTolerance", 0.1, 3),
        ])
    }
    /// A deliberately poor expert: little tension, a sloppy close.
    public var baseline: Recipe {
        Recipe(family: Self.family, parameters: ["pullBeyond": 0.5, "tensionFactor": 1, "approachDistance": 15,
                                                 "closeTolerance": 1.5])
    }
    /// 200 control steps.
    public var episodeLimit: Int { ZipTieGeometry.maxEpisodeSteps }
    /// The expert reads the exact tie features.
    public var privilege: String? { "the scripted expert reads the simulator's exact tie features (anchor, free end, mark)" }

    /// Zip-tie's frozen criteria.
    public var criteria: TaskCriteria {
        TaskCriteria(task: TaskSpec(name: "ziptie", parameters: ["maxSteps": "\(episodeLimit)"]
                                             .merging(realities.criteriaParameters) { $1 }),
                     rewardIdentity: ZipTieCameraVerifier().identity,
                     resetIdentity: "ziptie.replace-tie",
                     safetyLimits: "arm envelopes of ZipTieArm",
                     successDefinition: "tie cut at the mark while tensioned (simulator rule)")
    }

    /// The expert with a recipe's parameters.
    public func policy(for recipe: Recipe) throws -> any Policy {
        try policy(for: recipe) { ZipTieExpert(parameters: try ZipTieExpert.Parameters(recipe: $0.parameters)) }
    }

    /// A simulated station with triggered cameras: they take a burst of two frames when the cutter is parked in
    /// its inspection pose with the jaws open (where the expert parks it after a cut), the only moment the
    /// verifier needs pictures. With a recorder, its episodes (with the bursts) go there.
    public func makeStation(role: StationRole, name: String, recorder: (any EpisodeRecorder)?) throws
        -> any ResearchStation {
        // HARDWARE: replace the two simulated arms (`parts.left`, `parts.cutter`), the top and oblique cameras, the
        // reset (a person replaces the tie) and the clock (use `SystemClock()`) with your own; the trigger becomes a
        // pose check on your cutter arm or a trigger line.
        let parts = ZipTieStation(reality: realities.stationReality(for: role, clean: ZipTieReality.clean))
        let cutter = parts.cutter
        let inspection = ZipTieGeometry.inspectionPose
        let parked: @Sendable () async -> Bool = {
            guard let state = try? await cutter.observe(), let jaws = state.gripper, state.position.count >= 2 else {
                return false
            }
            return jaws >= 0.9 && hypot(state.position[0] - inspection[0], state.position[1] - inspection[1]) < 3
        }
        let noiseSeed = role.cameraSeed(workspace: 21) { 21 + 2 * UInt64($0) }
        let cameras: [any Camera] = try ZipTieCameras.make(world: parts.world, clock: parts.clock, noiseSeed: noiseSeed)
            .map { TriggeredCamera($0, burst: 2, when: parked) }
        let station = try Station(configuration: .init(name: name, task: "ziptie"), arms: [parts.left, parts.cutter],
                                  cameras: cameras, reward: ZipTieCameraVerifier(), reset: parts.reset,
                                  recorder: recorder, featureSources: [parts.world], clock: parts.clock)
        return SimulatedResearchStation(station: station, episodeLimit: episodeLimit) {
            ZipTieReward.verdict(state: await parts.world.state).success
        }
    }
}
