import Benchmark
import Enpire
import EnpireSim

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .mallocCountTotal], timeUnits: .microseconds, warmupIterations: 20,
        maxDuration: .seconds(2), maxIterations: 100_000)

    let state = PushTState(agentX: 80, agentY: 430, blockX: 340.1, blockY: 274.6, blockAngle: 1.1)
    let cases: [(String, ImageSize, CameraNoise)] = [
        ("render 96x96", ImageSize(width: 96, height: 96), .none),
        ("render 640x480", ImageSize(width: 640, height: 480), .none),
        ("render 96x96 realistic noise", ImageSize(width: 96, height: 96), .realistic(seed: 1)),
        ("render 640x480 realistic noise", ImageSize(width: 640, height: 480), .realistic(seed: 1)),
    ]
    for (name, size, noise) in cases {
        Benchmark(name) { benchmark in
            guard var renderer = try? PushTRenderer(outputSize: size, noise: noise) else { return }
            var image = RGBImage(size: size)
            // One warm frame so that steady-state iterations measure reuse, not first-use allocation.
            renderer.render(state, into: &image)
            benchmark.startMeasurement()
            for iteration in benchmark.scaledIterations {
                renderer.render(state, into: &image, frameIndex: UInt64(iteration))
                blackHole(image.pixels[0])
            }
        }
    }
}
