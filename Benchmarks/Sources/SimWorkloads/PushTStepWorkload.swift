import EnpireSim
import Foundation

/// gym-pusht's `env.step` with state observations, as a loop: one control step, the state vector and the coverage
/// reward per step, a seeded reset every 300 steps. Actions follow the same deterministic sweep as
/// compare_pusht.py's gym-pusht loop, so both simulators see the same kind of motion and contacts.
public final class PushTStepWorkload {
    private let simulation = PushTSimulation()
    private var step = 0
    private var episode: UInt64 = 0
    /// Sum of rewards, kept so that the work cannot be optimised away.
    public private(set) var rewardSum = 0.0

    /// Creates the workload at seed 0.
    public init() {
        simulation.reset(seed: 0)
    }

    /// The action of compare_pusht.py for global step `t`.
    public static func action(_ t: Int) -> (x: Double, y: Double) {
        let time = Double(t)
        return (256 + 200 * sin(0.37 * time), 256 + 200 * cos(0.23 * time))
    }

    /// Runs `count` environment steps.
    public func run(steps count: Int) {
        for _ in 0..<count {
            if step > 0, step % 300 == 0 {
                episode += 1
                simulation.reset(seed: episode)
            }
            // Sweep targets are finite.
            try? simulation.step(action: Self.action(step))
            let observation = simulation.state.observationVector
            let coverage = simulation.coverage
            rewardSum += PushTCoverage.reward(coverage: coverage) + observation[4] * 0
            step += 1
        }
    }
}
