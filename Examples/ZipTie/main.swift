// Bimanual zip-tie cutting station, composed from the library as a lab composes a hardware one.
//
// The simulated parts are the two arms (`ZipTieArm`: the left one grasps and tensions the tie, the right one
// carries the cutter), the world behind them (tie, mark, ground-truth cut/location/tension verifier, reset) and
// the clock. On hardware, replace the two lines marked HARDWARE with your own `RobotArm`s (and use
// `SystemClock()`), and give the station a verifier and reset that read your cameras and sensors.
//
// It tunes the scripted expert's numbers (pull beyond the tie length, tension before cutting, approach distance,
// closing tolerance) with the built-in researcher on development seeds, keeps or reverts each trial in an
// experiment ledger, then evaluates the kept recipe on held-out seeds.
//
// Usage: ZipTieExample [--iterations N] [--episodes N] [--held-out N] [--output DIR]
import Enpire
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

// 1. The station: two arms, left first (the tie holder), then the cutter.
let parts = ZipTieStation()
let left: any RobotArm = parts.left  // HARDWARE: your left arm here
let cutter: any RobotArm = parts.cutter  // HARDWARE: your cutter arm here
let station = try Station(configuration: .init(name: "ziptie-example", task: "ziptie"), arms: [left, cutter],
                          reward: parts.reward, reset: parts.reset,
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
let ledger = try ExperimentLedger(fileURL: output.appendingPathComponent("ledger.jsonl"))
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
        config: proposal.recipe.parameters.mapValues { String($0) }, frozenHash: parts.reward.identity,
        trialBudget: episodes, results: results, decision: keep ? .keep : .revert,
        wallTimeSeconds: Date().timeIntervalSince(wallStart), robotTimeSeconds: trialRobot, tokens: 0,
        startedAtUnixSeconds: Date().timeIntervalSince1970, finishedAtUnixSeconds: Date().timeIntervalSince1970))
    print("iteration \(iteration): \(successes)/\(episodes) \(keep ? "keep" : "revert") — \(proposal.hypothesis)")
}

// 3. Held-out seeds the loop never used.
guard let chosen = best else { print("no trial ran"); exit(1) }
let parameters = try ZipTieExpert.Parameters(recipe: chosen.recipe.parameters)
var heldOutSuccesses = 0
var heldOutRobot = 0.0
for index in 0..<heldOutBudget {
    let episode = try await station.runEpisode(policy: ZipTieExpert(parameters: parameters),
                                               seed: 1_000_000 + UInt64(index), maxSteps: ZipTieGeometry.maxEpisodeSteps)
    heldOutRobot += episode.summary.durationSeconds + (episode.summary.reset?.elapsedSeconds ?? 0)
    if episode.summary.verdict?.success == true { heldOutSuccesses += 1 }
}
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
    Verifier: `\(parts.reward.identity)` (cut, location and tension votes fused by AND).

    \(ExperimentLedger.markdownTable(await ledger.allRecords()))
    """
try Data(report.utf8).write(to: output.appendingPathComponent("report.md"))
print("held-out \(heldOutSuccesses)/\(heldOutBudget); report: \(output.appendingPathComponent("report.md").path)")
