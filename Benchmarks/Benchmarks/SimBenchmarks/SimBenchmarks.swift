import Benchmark
import EnpireSim
import SimWorkloads

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .throughput, .mallocCountTotal],
                                           maxDuration: .seconds(3))

    Benchmark("Push-T env step, state obs + coverage (x100)") { benchmark in
        let workload = PushTStepWorkload()
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { workload.run(steps: 100) }
        blackHole(workload.rewardSum)
    }

    Benchmark("Push-T coverage (exact polygon clipping)") { benchmark in
        let state = PushTState(agentX: 0, agentY: 0, blockX: 250, blockY: 262, blockAngle: 0.7)
        for _ in benchmark.scaledIterations { blackHole(PushTCoverage.coverage(of: state)) }
    }

    Benchmark("Push-T seeded reset (fresh Chipmunk space)") { benchmark in
        let simulation = PushTSimulation()
        var seed: UInt64 = 0
        for _ in benchmark.scaledIterations {
            simulation.reset(seed: seed)
            seed += 1
        }
    }

    Benchmark("Push-T expert plan (default parameters)") { benchmark in
        let simulation = PushTSimulation()
        simulation.reset(seed: 0)
        let planner = PushTPushPlanner()
        for _ in benchmark.scaledIterations {
            blackHole(planner.plan(state: simulation.state, agentVelocity: simulation.agentVelocity))
        }
    }
}
