// Prints Push-T environment steps per second (state observations) as JSON, for Benchmarks/compare_pusht.py.
// Usage: SimTimings [steps] [--pixels]
import Foundation
import SimWorkloads

let pixels = CommandLine.arguments.contains("--pixels")
let steps = CommandLine.arguments.dropFirst().first { !$0.hasPrefix("--") }.flatMap { Int($0) } ?? 30_000
guard steps > 0 else {
    FileHandle.standardError.write(Data("SimTimings: steps must be a positive integer\n".utf8))
    exit(2)
}
let workload = PushTStepWorkload(pixels: pixels)
workload.run(steps: 300)  // warm-up
let clock = ContinuousClock()
let elapsed = clock.measure { workload.run(steps: steps) }
let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
let report: [String: Any] = [
    "simulator": "enpire", "obs": pixels ? "pixels" : "state", "steps": steps, "seconds": seconds,
    "steps_per_second": Double(steps) / seconds, "reward_sum": workload.rewardSum,
]
let data = try JSONSerialization.data(withJSONObject: report, options: [.sortedKeys])
print(String(decoding: data, as: UTF8.self))
