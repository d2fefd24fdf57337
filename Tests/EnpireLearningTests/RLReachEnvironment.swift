import Enpire
import EnpireLearning

/// A 1-D reach task for fast RL tests: observation `[x, goal]`, action moves `x` by up to 0.25, dense reward
/// `−|x − goal|`, success when within 0.05 of the goal.
struct RLReachEnvironment: ContinuousEnvironment {
    var position: Float = 0
    var goal: Float = 0
    let observationWidth = 2
    let actionWidth = 1
    let controlPeriodSeconds = 0.1

    mutating func reset(seed: UInt64) -> [Float] {
        var rng = SplitMix64(seed: seed &* 0x9E37_79B9_7F4A_7C15 &+ 17)
        position = Float(rng.nextUnitDouble() * 2 - 1)
        goal = Float(rng.nextUnitDouble() * 1.6 - 0.8)
        return [position, goal]
    }

    mutating func step(_ action: [Float]) -> EnvironmentStep {
        let move = min(max(action.first ?? 0, -1), 1)
        position = min(max(position + 0.25 * move, -1), 1)
        let distance = abs(position - goal)
        return EnvironmentStep(observation: [position, goal], reward: -distance, success: distance < 0.05)
    }
}

/// Fast SAC settings for the reach tests (small networks, small batches).
func rlFastConfiguration(seed: UInt64 = 1) -> SACConfiguration {
    var configuration = SACConfiguration()
    configuration.actorHiddenWidths = [32, 32]
    configuration.criticHiddenWidths = [32, 32]
    configuration.batchSize = 64
    configuration.learningRate = 1e-3
    configuration.discount = 0.9
    configuration.seed = seed
    return configuration
}
