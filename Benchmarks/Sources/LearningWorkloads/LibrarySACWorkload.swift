import Enpire
import EnpireLearning

/// Updates of the library's ``SoftActorCritic`` (not the hand-written mirror in `SACUpdateWorkload`): actor
/// 20→256→256→4 (2-D action), critics 22→256→256→1 with LayerNorm, batch 256, a replay buffer of random
/// transitions; includes sampling, target subset minimum, Polyak averaging and temperature tuning.
public final class LibrarySACWorkload {
    let learner: SoftActorCritic
    let replay: ReplayBuffer

    /// Builds the learner with `criticCount` critics and `updatesPerStep` critic updates per call.
    public init(criticCount: Int = 2, updatesPerStep: Int = 1, seed: UInt64 = 0) throws {
        var configuration = SACConfiguration()
        configuration.criticCount = criticCount
        configuration.updatesPerStep = updatesPerStep
        configuration.seed = seed
        learner = try SoftActorCritic(observationWidth: 20, actionWidth: 2, configuration: configuration)
        var buffer = try ReplayBuffer(observationWidth: 20, actionWidth: 2, capacity: 10_000)
        var rng = SplitMix64(seed: seed ^ 0xbeef)
        for _ in 0..<10_000 {
            try buffer.append(Transition(
                observation: (0..<20).map { _ in Float(rng.nextGaussian()) },
                action: (0..<2).map { _ in Float(rng.nextUnitDouble() * 2 - 1) },
                reward: Float(rng.nextGaussian()),
                nextObservation: (0..<20).map { _ in Float(rng.nextGaussian()) },
                terminal: false))
        }
        replay = buffer
    }

    /// One `update` call (`updatesPerStep` critic updates, one actor and temperature update).
    public func step() throws { try learner.update(online: replay) }
}
