import Benchmark
import RecordingWorkloads

/// Recording throughput of a 2-camera 640x480 station: one episode of 30 steps (one second at 30 Hz) per
/// iteration, JPEG encoding of both frames included.
let benchmarks: @Sendable () -> Void = {
    Benchmark("record 30 steps, 2 x 640x480", configuration: .init(metrics: [.wallClock, .throughput, .mallocCountTotal],
                                                                 maxDuration: .seconds(10), maxIterations: 50)) { benchmark in
        let workload = try RecordingWorkload()
        for _ in benchmark.scaledIterations { try await workload.run(steps: 30) }
    }
}
