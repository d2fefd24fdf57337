import Enpire
import EnpireSim
import Foundation

/// gym-pusht's `env.step` with state observations, as a loop: one control step, the state vector and the coverage
/// reward per step, a seeded reset every 300 steps. Actions follow the same deterministic sweep as
/// compare_pusht.py's gym-pusht loop, so both simulators see the same kind of motion and contacts.
public final class PushTStepWorkload {
    private let simulation = PushTSimulation()
    /// Renders a 96x96 observation every step when set (gym-pusht's `obs_type="pixels"`).
    private var renderer: PushTRenderer?
    private var image = RGBImage(size: ImageSize(width: 96, height: 96))
    private var step = 0
    private var episode: UInt64 = 0
    /// Sum of rewards, kept so that the work cannot be optimised away.
    public private(set) var rewardSum = 0.0

    /// Creates the workload at seed 0; with `pixels`, every step also renders a 96x96 observation.
    public init(pixels: Bool = false) {
        simulation.reset(seed: 0)
        renderer = pixels ? try? PushTRenderer(outputSize: ImageSize(width: 96, height: 96)) : nil
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
            if renderer != nil {
                renderer!.render(simulation.state, into: &image)
                rewardSum += Double(image.pixels[96 * 48 * 3]) * 0
            }
            rewardSum += PushTCoverage.reward(coverage: coverage) + observation[4] * 0
            step += 1
        }
    }
}
