import Benchmark
import RewardWorkloads

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .mallocCountTotal], maxDuration: .seconds(3))
    Benchmark("Push-T camera reward: decode 640x480 JPEG + verdict") { benchmark in
        let workload = try RewardWorkload(frames: 16)
        for _ in 0..<16 { workload.judgeNextJPEG() }
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blackHole(workload.judgeNextJPEG()) }
    }
    Benchmark("Push-T camera reward: verdict from 640x480 pixels") { benchmark in
        let workload = try RewardWorkload(frames: 16)
        for _ in 0..<16 { workload.judgeNextRaw() }
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blackHole(workload.judgeNextRaw()) }
    }
}
