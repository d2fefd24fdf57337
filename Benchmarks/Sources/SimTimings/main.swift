// Prints Push-T environment steps per second (state observations) as JSON, for Benchmarks/compare_pusht.py.
// Usage: SimTimings [steps] [--pixels] [--min-seconds S]
// With --min-seconds the step count is doubled until one timed run lasts at least S seconds.
import Foundation
import SimWorkloads

let pixels = CommandLine.arguments.contains("--pixels")
let arguments = Array(CommandLine.arguments.dropFirst())
let minSecondsIndex = arguments.firstIndex(of: "--min-seconds")
let minSeconds = minSecondsIndex.flatMap { $0 + 1 < arguments.count ? Double(arguments[$0 + 1]) : nil } ?? 0
let positional = arguments.enumerated().first { index, argument in
    !argument.hasPrefix("--") && index != minSecondsIndex.map { $0 + 1 }
}?.element
var steps = positional.flatMap { Int($0) } ?? 30_000
guard steps > 0 else {
    FileHandle.standardError.write(Data("SimTimings: steps must be a positive integer\n".utf8))
    exit(2)
}
let workload = PushTStepWorkload(pixels: pixels)
workload.run(steps: 300)  // warm-up
let clock = ContinuousClock()
var seconds = 0.0
while true {
    let elapsed = clock.measure { workload.run(steps: steps) }
    seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    if seconds >= minSeconds || steps > Int.max / 4 { break }
    steps *= 2
}
let report: [String: Any] = [
    "simulator": "enpire", "obs": pixels ? "pixels" : "state", "steps": steps, "seconds": seconds,
    "steps_per_second": Double(steps) / seconds, "reward_sum": workload.rewardSum,
]
let data = try JSONSerialization.data(withJSONObject: report, options: [.sortedKeys])
print(String(decoding: data, as: UTF8.self))
