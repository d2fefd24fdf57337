// Push-T research station: the library's research loop on the Push-T task.
//
// The station is composed in `PushTSimulatedStation` (Sources/EnpireTasks/PushT) the way a lab composes a hardware
// one: only the arm (`PushTPusherArm`) and the clock are simulated; the safety envelope, reward (the simulator's
// coverage, or each station's own camera with `enpire main --camera-reward`), reset, episode store, ledger,
// research loop, held-out evaluation and report are the same code a hardware station runs. The planner the campaign
// tunes reads the simulator's exact state and plans with a copy of the simulator: an oracle, labelled as such in
// the report. `enpire main` runs the same campaign with the learned camera policy on top.
//
// Usage: PushTExample [--stations N] [--iterations N] [--episodes N] [--held-out N] [--confirmation N] [--seed N] [--no-baseline] [--output DIR]
import EnpireResearch
import EnpireTasks
import Foundation

var defaults = ResearchCampaign.Configuration()
defaults.stations = 2
defaults.iterations = 4
defaults.episodesPerTrial = 10
defaults.heldOutEpisodes = 100
defaults.confirmationEpisodes = 20
do {
    try await CampaignCommandLine.run(task: PushTResearchTask(), defaults: defaults,
                                      arguments: Array(CommandLine.arguments.dropFirst()),
                                      defaultOutput: "reports/example-pusht")
} catch {
    FileHandle.standardError.write(Data("Error: \(error)\n".utf8))
    exit(1)
}
