/// The recipe of a soft actor-critic learner, defaulting to the RLPD settings (Ball et al. 2023).
public struct SACConfiguration: Sendable, Codable, Equatable {
    /// Hidden widths of the actor MLP.
    public var actorHiddenWidths: [Int] = [256, 256]
    /// Hidden widths of each critic MLP.
    public var criticHiddenWidths: [Int] = [256, 256]
    /// LayerNorm after each hidden critic layer (RLPD's fix for over-estimation with high UTD).
    public var criticLayerNorm = true
    /// Critics in the ensemble (RLPD: 10; classic SAC: 2).
    public var criticCount = 2
    /// Critics drawn at random per update whose minimum forms the target (RLPD: 2).
    public var targetSubsetSize = 2
    /// Discount.
    public var discount: Float = 0.99
    /// Polyak rate of the target networks: `θ̄ ← (1 − τ)·θ̄ + τ·θ`.
    public var polyakRate: Float = 0.005
    /// Adam learning rate of actor, critics and temperature.
    public var learningRate: Float = 3e-4
    /// Mini-batch size (half demonstrations, half online when a demonstration buffer is given).
    public var batchSize = 256
    /// Critic updates per environment step (update-to-data ratio; RLPD uses 20).
    public var updatesPerStep = 1
    /// Initial entropy temperature α.
    public var initialTemperature: Float = 1
    /// Target entropy; nil uses `−actionWidth / 2` (RLPD) .
    public var targetEntropy: Float?
    /// Learn α automatically (false keeps `initialTemperature`).
    public var tuneTemperature = true
    /// Weight of a TD3+BC-style behaviour-cloning term `w·‖π(s) − a‖²` on the actor (0 disables).
    public var behaviourCloningWeight: Float = 0
    /// Fraction of each batch drawn from the demonstration buffer when one is given (RLPD: 0.5).
    public var demonstrationFraction: Float = 0.5
    /// Clamp range of the actor's log standard deviation.
    public var logStandardDeviationRange: ClosedRange<Float> = -5...2
    /// Seed for initialisation, sampling and noise.
    public var seed: UInt64 = 0

    /// Creates a configuration with RLPD-style defaults.
    public init() {}

    /// Most critics an ensemble may have (RLPD uses 10).
    public static let maximumCriticCount = 64

    /// Checks ranges, naming the bad value.
    public func validate() throws(RLError) {
        guard criticCount <= Self.maximumCriticCount else {
            throw .invalidConfiguration("criticCount \(criticCount) must be at most \(Self.maximumCriticCount)")
        }
        guard criticCount >= 1, targetSubsetSize >= 1, targetSubsetSize <= criticCount else {
            throw .invalidConfiguration("targetSubsetSize \(targetSubsetSize) must be in 1...criticCount "
                + "(\(criticCount))")
        }
        guard batchSize >= 2, updatesPerStep >= 1 else {
            throw .invalidConfiguration("batchSize \(batchSize) must be ≥ 2 and updatesPerStep \(updatesPerStep) ≥ 1")
        }
        guard (0...1).contains(discount), polyakRate > 0, polyakRate <= 1, learningRate > 0 else {
            throw .invalidConfiguration("discount \(discount) must be in 0...1, polyakRate \(polyakRate) in (0, 1], "
                + "learningRate \(learningRate) > 0")
        }
        guard initialTemperature > 0, behaviourCloningWeight >= 0, (0...1).contains(demonstrationFraction) else {
            throw .invalidConfiguration("initialTemperature \(initialTemperature) must be > 0, "
                + "behaviourCloningWeight \(behaviourCloningWeight) ≥ 0, demonstrationFraction in 0...1")
        }
    }
}
