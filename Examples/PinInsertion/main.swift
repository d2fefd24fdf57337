// Pin-insertion research station: the library's research loop on the pin-insertion task.
//
// The station is composed in `PinResearchTask.makeStation` (Sources/EnpireTasks/PinInsertion) the way a lab
// composes a hardware one: the hand (`PinInsertionArm`, which also estimates the contact force), the side camera,
// the extraction reset and the clock are the simulated parts, marked HARDWARE there; the station is judged by
// `PinInsertionCameraVerifier` from the camera frame and the arm's own hand pose and force estimate, never the
// simulator. The campaign tunes the scripted expert's recipe on development seeds with a fleet of stations sharing
// kept results through Git, confirms the leaders on fresh development seeds, and scores the kept recipe on sealed
// held-out seeds (success by the simulator's rule; the verifier's agreement beside it). The expert reads the
// simulator's exact hole pose: its figures are privileged, and the report says so.
//
// Usage: PinInsertionExample [--stations N] [--iterations N] [--episodes N] [--held-out N] [--confirmation N] [--seed N] [--no-baseline] [--output DIR]
import ExampleSupport
import EnpireTasks

await CampaignCommandLine.main(task: PinResearchTask(), defaultOutput: "reports/example-pin")
