// Push-T station, composed from the library as a lab composes a hardware one.
//
// The only simulated parts are the arm (`PushTPusherArm`) and the clock: to run on hardware, replace the line
// marked HARDWARE with your own `RobotArm` (and use `SystemClock()`), and give the station a reward and reset
// that read your cameras. Everything else — safety envelope, episode store, ledger, research loop, held-out
// evaluation, report — is the same code.
//
// Usage: PushTExample [--iterations N] [--episodes N] [--output DIR]
import Enpire
import EnpireSim
import EnpireTasks
import Foundation

func option(_ name: String, _ fallback: Int) -> Int {
    guard let i = CommandLine.arguments.firstIndex(of: name), i + 1 < CommandLine.arguments.count,
          let value = Int(CommandLine.arguments[i + 1]), value > 0 else { return fallback }
    return value
}
let iterations = option("--iterations", 4)
let episodes = option("--episodes", 10)
let output = URL(fileURLWithPath: CommandLine.arguments.firstIndex(of: "--output")
    .flatMap { $0 + 1 < CommandLine.arguments.count ? CommandLine.arguments[$0 + 1] : nil } ?? "reports/example-pusht")
try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)

// 1. The station.
let clock = SimulatedClock()
let world = PushTWorld()
let arm: any RobotArm = PushTPusherArm(world: world, clock: clock)  // HARDWARE: your RobotArm here
let safety = try SafetyEnvelope(specification: arm.specification, maxStep: 200, boundaryBand: 10)
let store = try EpisodeStore(root: output.appendingPathComponent("episodes"))
let station = try Station(configuration: .init(name: "example", task: "pusht"), arms: [arm], safety: [safety],
                          reward: PushTCoverageReward(world: world), reset: PushTTeleportReset(world: world),
                          recorder: store, featureSources: [world], clock: clock)

// 2. The research loop: propose, trial on development seeds, keep or revert, write the ledger.
let ledger = try ExperimentLedger(fileURL: output.appendingPathComponent("ledger.jsonl"), createIfMissing: true)
var researcher = BuiltInResearcher(space: PushTPlannerRecipes.space, initial: PushTPlannerRecipes.baseline, seed: 7)
var known: [BuiltInResearcher.Result] = []
var best: (recipe: Recipe, rate: Double)?
for iteration in 1...iterations {
    let proposal = researcher.propose(known: known)
    let parameters = try PushTPlannerRecipes.parameters(for: proposal.recipe)
    var successes = 0
    var robotSeconds = 0.0
    for seed in 0..<UInt64(episodes) {
        let episode = try await station.runEpisode(policy: PushTHeuristicExpert(parameters: parameters), seed: seed,
                                                   maxSteps: PushTGeometry.maxEpisodeSteps)
        if episode.summary.verdict?.success == true { successes += 1 }
        robotSeconds += episode.summary.durationSeconds
    }
    let results = try TrialResults(successes: successes, trials: episodes)
    let keep = results.rate > (best?.rate ?? -1)
    if keep { best = (proposal.recipe, results.rate) }
    known.append(.init(recipe: proposal.recipe, score: results.rate))
    try await ledger.append(ExperimentRecord(
        id: "example-\(iteration)", task: "pusht", station: "example", hypothesis: proposal.hypothesis,
        config: PushTPlannerRecipes.config(proposal.recipe), frozenHash: "example", trialBudget: episodes,
        results: results, decision: keep ? .keep : .revert, wallTimeSeconds: 0, robotTimeSeconds: robotSeconds,
        tokens: 0, startedAtUnixSeconds: Date().timeIntervalSince1970, finishedAtUnixSeconds: Date().timeIntervalSince1970))
    print("iteration \(iteration): \(successes)/\(episodes) \(keep ? "keep" : "revert") — \(proposal.hypothesis)")
}

// 3. Held-out evaluation of the kept recipe (seeds the loop never used).
let chosen = try PushTPlannerRecipes.parameters(for: best!.recipe)
var heldOutSuccesses = 0
for seed in 1_000_000..<UInt64(1_000_000 + episodes) {
    let episode = try await station.runEpisode(policy: PushTHeuristicExpert(parameters: chosen), seed: seed,
                                               maxSteps: PushTGeometry.maxEpisodeSteps)
    if episode.summary.verdict?.success == true { heldOutSuccesses += 1 }
}
let health = await station.currentHealth
let report = """
    # Push-T example station

    Best recipe: `\(best!.recipe)`; held-out: \(heldOutSuccesses)/\(episodes).
    Episodes recorded: \(health.episodes) (\(String(format: "%.1f", health.episodeSeconds / 60)) robot minutes),
    safety interventions: \(health.interventions.values.reduce(0, +)).

    \(ExperimentLedger.markdownTable(await ledger.allRecords()))
    """
try Data(report.utf8).write(to: output.appendingPathComponent("report.md"))
print("held-out \(heldOutSuccesses)/\(episodes); report: \(output.appendingPathComponent("report.md").path)")
