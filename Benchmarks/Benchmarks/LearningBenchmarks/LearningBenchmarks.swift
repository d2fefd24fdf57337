import Benchmark
import LearningWorkloads

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .throughput, .mallocCountTotal],
                                           maxDuration: .seconds(3))

    Benchmark("Train step 64-256-256-8 batch 256 (MSE, Adam)") { benchmark in
        let workload = try TrainStepWorkload(input: 64, hidden: [256, 256], output: 8, batchSize: 256)
        try workload.step()
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blackHole(try workload.step()) }
    }

    Benchmark("Train step 64-512x3-8 batch 1024 (MSE, Adam)") { benchmark in
        let workload = try TrainStepWorkload(input: 64, hidden: [512, 512, 512], output: 8, batchSize: 1024)
        try workload.step()
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blackHole(try workload.step()) }
    }

    Benchmark("Inference batch 1, 64-256-256-8") { benchmark in
        let workload = try InferenceWorkload()
        workload.run()
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blackHole(workload.run()) }
    }

    Benchmark("SAC update (actor + 2 critics, batch 256)") { benchmark in
        let workload = try SACUpdateWorkload()
        try workload.step()
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blackHole(try workload.step()) }
    }

    Benchmark("sgemm 256x256x256") { benchmark in
        let workload = MatmulWorkload(size: 256)
        try workload.run()
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { try workload.run() }
    }
}
