// Bimanual zip-tie cutting research station: the library's research loop on the zip-tie task.
//
// The station is composed in `ZipTieResearchTask.makeStation` (Sources/EnpireTasks/ZipTie) the way a lab composes
// a hardware one: two arms (`ZipTieArm`: the left one grasps and tensions the tie, the other carries the cutter),
// two cameras (top and oblique, triggered to take a burst of two frames when the cutter parks after a cut), the
// tie-replacing reset and the clock are the simulated parts, marked HARDWARE there. The station is judged by
// `ZipTieCameraVerifier`: per camera "the tie shows split at the painted mark", AND-fused with the left gripper's
// grasp force when the jaws closed. The campaign tunes the scripted expert's recipe with a fleet of stations,
// confirms the leaders and scores the kept recipe on sealed held-out seeds (success by the simulator's rule). The
// expert reads the simulator's exact tie features: its figures are privileged, and the report says so.
//
// Usage: ZipTieExample [--stations N] [--iterations N] [--episodes N] [--held-out N] [--confirmation N] [--seed N] [--no-baseline] [--output DIR]
import ExampleSupport
import EnpireTasks

await CampaignCommandLine.main(task: ZipTieResearchTask(), defaultOutput: "reports/example-ziptie")
