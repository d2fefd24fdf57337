public import Enpire
public import EnpireResearch
public import EnpireReward
public import EnpireSim
import Foundation

/// Push-T as a research task: the planner's recipe family, simulated stations faithful to gym-pusht, judged by the
/// simulator's coverage or by each station's own camera.
///
/// The recipes are the planner, which reads the simulator's exact state and plans with a copy of the simulator:
/// privileged (an oracle), and labelled so in every report.
public struct PushTResearchTask: RecordingResearchTask {
    /// Whether research stations reset with the pusher itself (verified) instead of placing start states.
    public var robotReset: Bool
    /// When set, every station is judged by this camera reward instead of the simulator's coverage.
    public var cameraReward: PushTRewardModel?
    /// The departure from gym-pusht the research stations (and the workspace) live in; nil or clean: none.
    public var reality: PushTReality?
    /// The departure the evaluator stations live in, when it differs from ``reality``: a range the research
    /// stations never saw, so that held-out scores measure transfer to an unseen reality.
    public var heldOutReality: PushTReality?
    /// Whether every station carries a 96 x 96 `top` camera for people to watch (a live dashboard), even when it
    /// records nothing; the verdict and the policies do not read it.
    public var viewCamera = false

    /// Creates the task.
    public init(robotReset: Bool = false, cameraReward: PushTRewardModel? = nil, reality: PushTReality? = nil,
                heldOutReality: PushTReality? = nil) {
        self.robotReset = robotReset
        self.cameraReward = cameraReward
        self.reality = reality
        self.heldOutReality = heldOutReality
    }

    /// Whether research or evaluation stations depart from gym-pusht.
    public var isPerturbed: Bool { !(reality?.isClean ?? true) || !(heldOutReality?.isClean ?? true) }

    /// `pusht`.
    public var name: String { "pusht" }
    /// `push-t`.
    public var aliases: [String] { ["push-t"] }
    /// One line.
    public var summary: String { "Push-T (gym-pusht 0.1.8 physics and scoring): push the T onto its goal" }
    /// The planner's searched parameters; under a reality also how slowly it pushes and how long it lets the
    /// pusher settle after a push (the knobs that absorb lag and latency).
    public var space: RecipeSpace { isPerturbed ? PushTPlannerRecipes.robustSpace : PushTPlannerRecipes.space }
    /// The naive planner recipe.
    public var baseline: Recipe { PushTPlannerRecipes.baseline }
    /// 300 control steps.
    public var episodeLimit: Int { PushTGeometry.maxEpisodeSteps }
    /// Judged by the simulator's coverage unless a camera reward is set.
    public var verdictIsGroundTruth: Bool { cameraReward == nil }
    /// The planner is an oracle.
    public var privilege: String? {
        "the planner reads the simulator's exact state and plans with a copy of the simulator (an oracle)"
    }

    /// Push-T's frozen criteria.
    public var criteria: TaskCriteria {
        var thresholds = cameraReward
        thresholds?.camera = nil
        var parameters = ["maxSteps": "300", "simulator": "gym-pusht-0.1.8"]
        if isPerturbed {
            parameters["reality"] = reality?.name ?? "clean"
            parameters["heldOutReality"] = (heldOutReality ?? reality)?.name ?? "clean"
        }
        return TaskCriteria(
            task: TaskSpec(name: "pusht", parameters: parameters),
            rewardIdentity: thresholds.map { "pusht.camera-reward sha256:\($0.identity)" }
                ?? "pusht.ground-truth-coverage>0.95",
            resetIdentity: robotReset ? PushTRobotReset.Settings().identity : "pusht.teleport.gym-pusht-0.1.8",
            safetyLimits: "pusher box [0,512]^2",
            successDefinition: "coverage > 0.95 within 300 control steps")
    }

    /// `robot-reset=true|false`, `camera-reward=FILE` (a calibrated `PushTRewardModel`), `reality=NAME|FILE`,
    /// `held-out-reality=NAME|FILE`.
    public var options: [String: String] {
        ["robot-reset": "true: the pusher puts the T back itself (verified) before every research episode",
         "camera-reward": "FILE: judge every station by its own camera with these calibrated thresholds",
         "reality": "clean|mild|harsh|FILE: physics, command and camera departures the stations live in (Docs/SimToReal.md)",
         "held-out-reality": "clean|mild|harsh|FILE: the departures of the evaluator stations only (default: reality)"]
    }

    /// The task with `options` applied.
    public func configured(_ options: [String: String]) throws -> any ResearchTask {
        var task = self
        for (key, value) in options {
            switch key {
            case "robot-reset":
                guard let flag = Bool(value) else {
                    throw ResearchError.badOption(task: name, option: key, reason: "expected true or false, got \(value)")
                }
                task.robotReset = flag
            case "camera-reward":
                do { task.cameraReward = try PushTRewardModel.load(from: URL(fileURLWithPath: value)) } catch {
                    throw ResearchError.badOption(task: name, option: key, reason: "\(error)")
                }
            case "reality", "held-out-reality":
                let reality: PushTReality
                do { reality = try PushTReality.load(nameOrPath: value) } catch {
                    throw ResearchError.badOption(task: name, option: key, reason: "\(error)")
                }
                if key == "reality" { task.reality = reality } else { task.heldOutReality = reality }
            default:
                throw ResearchError.badOption(task: name, option: key,
                                              reason: "known options: \(self.options.keys.sorted().joined(separator: ", "))")
            }
        }
        return task
    }

    /// The planner with a recipe's parameters.
    public func policy(for recipe: Recipe) throws -> any Policy {
        try policy(for: recipe) { PushTHeuristicExpert(parameters: try PushTPlannerRecipes.parameters(for: $0)) }
    }

    /// A simulated station (in ``heldOutReality`` when it evaluates, else in ``reality``); under a camera reward each
    /// research station has its own camera (mount, lighting, noise) and the evaluators one no research station had.
    /// With a recorder (or ``viewCamera``) and no camera reward the station gets a 96 x 96 `top` camera (gym-pusht's
    /// image size) so the recording or the dashboard has frames to show (the verdict stays the coverage rule).
    public func makeStation(role: StationRole, name: String, recorder: (any EpisodeRecorder)?) throws
        -> any ResearchStation {
        let judgeSeed = role.cameraSeed(workspace: 0) { UInt64($0 + 1) }
        let reset = role == .workspace ? false : robotReset
        let recordingCamera = (recorder != nil || viewCamera) && cameraReward == nil ? [ImageSize(width: 96, height: 96)] : []
        let simulated = try PushTSimulatedStation(
            name: name, recorder: recorder, cameraResolutions: recordingCamera, robotReset: reset,
            cameraReward: cameraReward, judgeCameraSeed: judgeSeed,
            reality: role.isEvaluation ? heldOutReality ?? reality : reality)
        // Under a camera judge the camera's call is the verdict and success is gym-pusht's rule on the final state;
        // otherwise the coverage reward's verdict is that rule.
        let judgedByCamera = cameraReward != nil
        return SimulatedResearchStation(station: simulated.station, episodeLimit: episodeLimit) {
            judgedByCamera ? await simulated.world.coverage > PushTGeometry.successThreshold : nil
        }
    }
}

extension StationRole {
    /// Whether the station scores held-out episodes.
    var isEvaluation: Bool {
        if case .evaluation = self { return true }
        return false
    }
}
