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
import ExampleSupport
import EnpireTasks

await CampaignCommandLine.main(task: PushTResearchTask(), defaultOutput: "reports/example-pusht")
