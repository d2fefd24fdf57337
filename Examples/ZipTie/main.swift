// Bimanual zip-tie cutting station, composed from the library as a lab composes a hardware one.
//
// The simulated parts are the two arms (`ZipTieArm`: the left one grasps and tensions the tie, the right one
// carries the cutter), the two cameras (top and oblique), the world behind them (tie, mark, reset) and the clock.
// On hardware, replace the lines marked HARDWARE with your own `RobotArm`s and `Camera`s (and use `SystemClock()`).
//
// The station is judged as a hardware one is: `ZipTieCameraVerifier` votes per camera "the tie shows split at the
// painted mark" and AND-fuses the votes with the left gripper's grasp force when the jaws closed. The cameras are
// triggered (`TriggeredCamera`): after a cut the expert parks the cutter clear of the tie with the jaws open, and
// the cameras take a burst of two frames there, the only moment the verifier needs pictures, so the station
// neither renders nor records 2 x 640x480 frames on every step. The simulator's ground truth (`ZipTieReward`) is read only to check the verifier on held-out episodes.
//
// It tunes the scripted expert's numbers (pull beyond the tie length, tension before cutting, approach distance,
// closing tolerance) with the built-in researcher on development seeds, keeps or reverts each trial in an
// experiment ledger, then evaluates the kept recipe on held-out seeds.
//
// Usage: ZipTieExample [--iterations N] [--episodes N] [--held-out N] [--output DIR]
import Enpire
import EnpireReward
import EnpireSim
import Foundation

func option(_ name: String, _ fallback: Int) -> Int {
    guard let i = CommandLine.arguments.firstIndex(of: name), i + 1 < CommandLine.arguments.count,
          let value = Int(CommandLine.arguments[i + 1]), value > 0 else { return fallback }
    return value
}
let iterations = option("--iterations", 10)
let episodes = option("--episodes", 10)
let heldOutBudget = option("--held-out", 100)
let output = URL(fileURLWithPath: CommandLine.arguments.firstIndex(of: "--output")
    .flatMap { $0 + 1 < CommandLine.arguments.count ? CommandLine.arguments[$0 + 1] : nil } ?? "reports/example-ziptie")
try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
let wallStart = Date()

// 1. The station: two arms, left first (the tie holder), then the cutter; two cameras; the camera verifier.
let parts = ZipTieStation()
let left: any RobotArm = parts.left  // HARDWARE: your left arm here
let cutter: any RobotArm = parts.cutter  // HARDWARE: your cutter arm here
let verifier = ZipTieCameraVerifier()
// The cameras fire a burst of two frames when the cutter reports itself parked in its inspection pose with the
// jaws open (where the expert parks it after a cut).
let inspection = ZipTieGeometry.inspectionPose
let parked: @Sendable () async -> Bool = {
    guard let state = try? await cutter.observe(), let jaws = state.gripper, state.position.count >= 2 else { return false }
    return jaws >= 0.9 && hypot(state.position[0] - inspection[0], state.position[1] - inspection[1]) < 3
}
// HARDWARE: your top and oblique cameras here (named as `verifier.model.cameraNames`), on the trigger line.
let cameras: [any Camera] = try ZipTieCameras.make(world: parts.world, clock: parts.clock, noiseSeed: 21).map { camera in
    TriggeredCamera(camera, burst: 2, when: parked)
}
let station = try Station(configuration: .init(name: "ziptie-example", task: "ziptie"), arms: [left, cutter],
                          cameras: cameras, reward: verifier, reset: parts.reset,
                          recorder: try EpisodeStore(root: output.appendingPathComponent("episodes")),
                          featureSources: [parts.world], clock: parts.clock)

// 2. The research loop over the expert's recipe, starting from a deliberately poor one (little tension, sloppy close).
let family = "ziptie.expert"
let space = RecipeSpace(family: family, ranges: [
    ParameterRange("pullBeyond", -3, 10), ParameterRange("tensionFactor", 0, 4),
    ParameterRange("approachDistance", 10, 60), ParameterRange("closeTolerance", 0.1, 3),
])
let baseline = Recipe(family: family, parameters: ["pullBeyond": 0.5, "tensionFactor": 1, "approachDistance": 15,
                                                   "closeTolerance": 1.5])
let ledger = try ExperimentLedger(fileURL: output.appendingPathComponent("ledger.jsonl"), createIfMissing: true)
var researcher = BuiltInResearcher(space: space, initial: baseline, exploration: 0.3, seed: 13)
var known: [BuiltInResearcher.Result] = []
var best: (recipe: Recipe, rate: Double)?
var robotSeconds = 0.0
for iteration in 1...iterations {
    let proposal = researcher.propose(known: known)
    let parameters = try ZipTieExpert.Parameters(recipe: proposal.recipe.parameters)
    var successes = 0
    var trialRobot = 0.0
    for seed in 0..<UInt64(episodes) {
        let episode = try await station.runEpisode(policy: ZipTieExpert(parameters: parameters), seed: seed,
                                                   maxSteps: ZipTieGeometry.maxEpisodeSteps)
        if episode.summary.verdict?.success == true { successes += 1 }
        trialRobot += episode.summary.durationSeconds + (episode.summary.reset?.elapsedSeconds ?? 0)
    }
    robotSeconds += trialRobot
    let results = try TrialResults(successes: successes, trials: episodes)
    let keep = results.rate > (best?.rate ?? -1)
    if keep { best = (proposal.recipe, results.rate) }
    known.append(.init(recipe: proposal.recipe, score: results.rate))
    try await ledger.append(ExperimentRecord(
        id: "ziptie-\(iteration)", task: "ziptie", station: "ziptie-example", hypothesis: proposal.hypothesis,
        config: proposal.recipe.parameters.mapValues { String($0) }, frozenHash: verifier.identity,
        trialBudget: episodes, results: results, decision: keep ? .keep : .revert,
        wallTimeSeconds: Date().timeIntervalSince(wallStart), robotTimeSeconds: trialRobot, tokens: 0,
        startedAtUnixSeconds: Date().timeIntervalSince1970, finishedAtUnixSeconds: Date().timeIntervalSince1970))
    print("iteration \(iteration): \(successes)/\(episodes) \(keep ? "keep" : "revert") — \(proposal.hypothesis)")
}

// 3. Held-out seeds the loop never used.
guard let chosen = best else { print("no trial ran"); exit(1) }
let parameters = try ZipTieExpert.Parameters(recipe: chosen.recipe.parameters)
var heldOutSuccesses = 0, agreements = 0
var heldOutRobot = 0.0
for index in 0..<heldOutBudget {
    let episode = try await station.runEpisode(policy: ZipTieExpert(parameters: parameters),
                                               seed: 1_000_000 + UInt64(index), maxSteps: ZipTieGeometry.maxEpisodeSteps)
    heldOutRobot += episode.summary.durationSeconds + (episode.summary.reset?.elapsedSeconds ?? 0)
    // Success counts the simulator's ground truth; the camera verifier's call is checked against it.
    let truth = ZipTieReward.verdict(state: await parts.world.state).success
    if truth { heldOutSuccesses += 1 }
    if truth == (episode.summary.verdict?.success == true) { agreements += 1 }
}
var framesDelivered = 0
for case let camera as TriggeredCamera in cameras { framesDelivered += await camera.framesDelivered }
let health = await station.currentHealth
let wall = Date().timeIntervalSince(wallStart)
let report = """
    # Zip-tie example station

    Kept recipe: `\(chosen.recipe.parameters.sorted { $0.key < $1.key }.map { "\($0.key)=\(String(format: "%.3g", $0.value))" }.joined(separator: ", "))` \
    (\(Int((chosen.rate * 100).rounded()))% on \(episodes) development seeds).
    Held-out: \(heldOutSuccesses)/\(heldOutBudget) successes (\(String(format: "%.1f", 100 * Double(heldOutSuccesses) / Double(heldOutBudget)))%; bar 95%).
    Robot time: research \(String(format: "%.1f", robotSeconds / 60)) min, held-out \(String(format: "%.1f", heldOutRobot / 60)) min; \
    wall time \(String(format: "%.1f", wall)) s. Episodes recorded: \(health.episodes); resets \(health.resetAttempts) \
    (failures \(health.resetFailures)); safety interventions: \(health.interventions.values.reduce(0, +)).
    Verifier: the top and oblique cameras (each votes "split at the mark") AND the left gripper's grasp force at \
    jaw closure, `\(verifier.identity.prefix(60))`; it agreed with the simulator's ground truth on \(agreements)/\(heldOutBudget) \
    held-out episodes. Camera frames taken (triggered by the parked cutter): \(framesDelivered).

    \(ExperimentLedger.markdownTable(await ledger.allRecords()))
    """
try Data(report.utf8).write(to: output.appendingPathComponent("report.md"))
print("held-out \(heldOutSuccesses)/\(heldOutBudget), verifier agreement \(agreements)/\(heldOutBudget); report: \(output.appendingPathComponent("report.md").path)")
