// Prints JSON timings of EnpireLearning workloads for Benchmarks/compare_torch.py.
// Usage: LearningTimings [--quick] [--rl] [--conv] [--only train|wide|infer|sac|sgemm|conv] [--batch N] [--steps N]
// [--size S] (conv: image side)
// --rl times only the library's SoftActorCritic updates (2 critics UTD 1, 10 critics UTD 1, 2 critics UTD 20).
// --conv times only the convolutional encoder (compare_conv.py): forward and training step, batch 1 and 64,
// 96×96 and 128×128 RGB inputs.
// --only runs one group (with --steps, exactly N untimed calls of one workload: for callgrind/perf runs).
import Foundation
import LearningWorkloads

let quick = CommandLine.arguments.contains("--quick")

func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

/// Median seconds per call over `repeats` timed blocks of `iterations` calls, after `warmup` calls.
func timePerCall(warmup: Int, iterations: Int, repeats: Int, _ body: () throws -> Void) rethrows -> Double {
    for _ in 0..<warmup { try body() }
    var samples: [Double] = []
    for _ in 0..<repeats {
        let start = now()
        for _ in 0..<iterations { try body() }
        samples.append(Double(now() - start) / 1e9 / Double(iterations))
    }
    return samples.sorted()[samples.count / 2]
}

let scale = quick ? 0.2 : 1.0
func n(_ count: Int) -> Int { max(1, Int(Double(count) * scale)) }

var results: [String: Double] = [:]

if CommandLine.arguments.contains("--rl") {
    for (critics, utd) in [(2, 1), (10, 1), (2, 20)] {
        let workload = try LibrarySACWorkload(criticCount: critics, updatesPerStep: utd)
        let seconds = try timePerCall(warmup: n(5), iterations: n(utd == 1 ? 20 : 2), repeats: 5) {
            try workload.step()
        }
        results["sac_library_critics\(critics)_utd\(utd)_critic_updates_per_second"] = Double(utd) / seconds
        results["sac_library_critics\(critics)_utd\(utd)_seconds_per_call"] = seconds
    }
    let data = try JSONSerialization.data(withJSONObject: results, options: [.sortedKeys])
    print(String(decoding: data, as: UTF8.self))
    exit(0)
}

if CommandLine.arguments.contains("--conv") {
    for size in [96, 128] {
        for batch in [1, 64] {
            let workload = try TrainStepWorkload(convolutionalSize: size, batchSize: batch)
            let large = batch > 1
            results["conv\(size)_b\(batch)_forward_seconds"] = try timePerCall(
                warmup: large ? 1 : 5, iterations: large ? n(3) : n(20), repeats: large ? 3 : 5) {
                _ = try workload.forward()
            }
            results["conv\(size)_b\(batch)_train_seconds"] = try timePerCall(
                warmup: large ? 1 : 5, iterations: large ? n(2) : n(10), repeats: large ? 3 : 5) {
                try workload.step()
            }
        }
    }
    let data = try JSONSerialization.data(withJSONObject: results, options: [.sortedKeys])
    print(String(decoding: data, as: UTF8.self))
    exit(0)
}

func option(_ name: String) -> String? {
    guard let index = CommandLine.arguments.firstIndex(of: name), index + 1 < CommandLine.arguments.count else {
        return nil
    }
    return CommandLine.arguments[index + 1]
}
let only = option("--only")
let fixedSteps = option("--steps").flatMap(Int.init)
func wanted(_ group: String) -> Bool { only == nil || only == group }

// A fixed number of untimed calls (instruction counting under callgrind: the count does not depend on load).
if let fixedSteps, let only {
    let batch = option("--batch").flatMap(Int.init) ?? 256
    switch only {
    case "train":
        let workload = try TrainStepWorkload(input: 64, hidden: [256, 256], output: 8, batchSize: batch)
        for _ in 0..<fixedSteps { try workload.step() }
    case "wide":
        let workload = try TrainStepWorkload(input: 64, hidden: [512, 512, 512], output: 8, batchSize: batch)
        for _ in 0..<fixedSteps { try workload.step() }
    case "infer":
        let workload = try InferenceWorkload()
        for _ in 0..<fixedSteps { workload.run() }
    case "sac":
        let workload = try SACUpdateWorkload()
        for _ in 0..<fixedSteps { try workload.step() }
    case "conv":
        let size = option("--size").flatMap(Int.init) ?? 96
        let workload = try TrainStepWorkload(convolutionalSize: size, batchSize: batch)
        // Each step timed too (the first, which grows the buffers, apart), for quick A/B runs without perf.
        var seconds: [Double] = []
        for _ in 0..<fixedSteps {
            let start = now()
            try workload.step()
            seconds.append(Double(now() - start) / 1e9)
        }
        guard let firstStep = seconds.first else { exit(0) }
        let rest = seconds.dropFirst().sorted()
        let median = rest.isEmpty ? firstStep : rest[rest.count / 2]
        print(String(format: "{\"conv_step_median_seconds\":%.6f,\"conv_step_min_seconds\":%.6f}",
                     median, rest.first ?? median))
        exit(0)
    default:
        FileHandle.standardError.write(Data("unknown --only \(only)\n".utf8))
        exit(2)
    }
    print("{}")
    exit(0)
}

// 64-256-256-8 training step across batch sizes (same sweep as compare_torch.py) and the wide network.
if wanted("train") {
    for (batch, iterations) in [(64, 200), (256, 50), (1024, 12), (4096, 3)] {
        let workload = try TrainStepWorkload(input: 64, hidden: [256, 256], output: 8, batchSize: batch)
        results["train_b\(batch)_seconds"] = try timePerCall(warmup: n(iterations / 2 + 1), iterations: n(iterations),
                                                             repeats: 5) { try workload.step() }
    }
    let wide = try TrainStepWorkload(input: 64, hidden: [512, 512, 512], output: 8, batchSize: 1024)
    results["train_wide_seconds"] = try timePerCall(warmup: n(3), iterations: n(4), repeats: 5) { try wide.step() }
}

if wanted("infer") {
    let inference = try InferenceWorkload()
    for _ in 0..<1000 { inference.run() }
    var latencies: [Double] = []
    let calls = n(20000)
    latencies.reserveCapacity(calls)
    for _ in 0..<calls {
        let start = now()
        inference.run()
        latencies.append(Double(now() - start) / 1e3)
    }
    latencies.sort()
    results["infer_median_us"] = latencies[latencies.count / 2]
    results["infer_p99_us"] = latencies[Int(Double(latencies.count) * 0.99)]
}

if wanted("sac") {
    let sac = try SACUpdateWorkload()
    results["sac_seconds"] = try timePerCall(warmup: n(10), iterations: n(20), repeats: 5) { try sac.step() }
}

if wanted("sgemm") {
    for size in [256, 1024] {
        let workload = MatmulWorkload(size: size)
        let iterations = size == 256 ? n(200) : n(10)
        let seconds = try timePerCall(warmup: 3, iterations: iterations, repeats: 5) { try workload.run() }
        results["sgemm_\(size)_seconds"] = seconds
    }
}

let data = try JSONSerialization.data(withJSONObject: results, options: [.sortedKeys])
print(String(decoding: data, as: UTF8.self))
