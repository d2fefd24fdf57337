/// Which command of a recorded step is the imitation target.
public enum BCTargetSource: String, Sendable, Codable {
    /// What the acting policy or person asked for.
    case requested
    /// What the arms reported as applied (after the safety layer's clamps).
    case applied
}

/// The recipe of a behaviour-cloning run (saved in the checkpoint sidecar).
public struct BCConfiguration: Sendable, Codable, Equatable {
    /// How observations become vectors.
    public var observation: ObservationEncoding
    /// Which command is imitated.
    public var target: BCTargetSource
    /// Number of future actions predicted per step (action chunking); the policy executes them as a queue.
    public var chunkSize: Int
    /// Hidden layer widths of the MLP.
    public var hiddenWidths: [Int]
    /// Hidden activation.
    public var activation: Activation
    /// Passes over the training split.
    public var epochs: Int
    /// Adam(W) learning rate.
    public var learningRate: Float
    /// Decoupled weight decay (AdamW); 0 gives plain Adam.
    public var weightDecay: Float
    /// Learning-rate schedule; `nil` means cosine decay to 10 % over the whole run.
    public var schedule: LearningRateSchedule?
    /// Global gradient-norm clip (nil disables).
    public var maxGradientNorm: Float?
    /// Examples per step.
    public var batchSize: Int
    /// Seed for initialisation, splitting and shuffling.
    public var seed: UInt64
    /// Fraction of examples held out for validation.
    public var validationFraction: Double
    /// Print or report progress every this many epochs (0 disables).
    public var progressEvery: Int
    /// Learn targets relative to each arm's position at the observation (the policy adds it back): position
    /// commands then look alike wherever the arm is, which usually helps imitation.
    public var relativeToArmPosition: Bool

    /// Creates a configuration with small-robot defaults.
    public init(observation: ObservationEncoding = ObservationEncoding(), target: BCTargetSource = .requested,
                chunkSize: Int = 1, hiddenWidths: [Int] = [256, 256], activation: Activation = .relu,
                epochs: Int = 100, learningRate: Float = 1e-3, weightDecay: Float = 0,
                schedule: LearningRateSchedule? = nil, maxGradientNorm: Float? = 10, batchSize: Int = 256,
                seed: UInt64 = 0, validationFraction: Double = 0.1, progressEvery: Int = 0,
                relativeToArmPosition: Bool = false) {
        self.relativeToArmPosition = relativeToArmPosition
        self.observation = observation
        self.target = target
        self.chunkSize = chunkSize
        self.hiddenWidths = hiddenWidths
        self.activation = activation
        self.epochs = epochs
        self.learningRate = learningRate
        self.weightDecay = weightDecay
        self.schedule = schedule
        self.maxGradientNorm = maxGradientNorm
        self.batchSize = batchSize
        self.seed = seed
        self.validationFraction = validationFraction
        self.progressEvery = progressEvery
    }

    func validate() throws(BCError) {
        guard chunkSize >= 1 else { throw .invalidConfiguration("chunkSize must be ≥ 1, got \(chunkSize)") }
        guard epochs >= 0 else { throw .invalidConfiguration("epochs must be ≥ 0, got \(epochs)") }
        guard batchSize >= 1 else { throw .invalidConfiguration("batchSize must be ≥ 1, got \(batchSize)") }
        guard learningRate > 0 else { throw .invalidConfiguration("learningRate must be > 0, got \(learningRate)") }
        guard (0..<1).contains(validationFraction) else {
            throw .invalidConfiguration("validationFraction must be in [0, 1), got \(validationFraction)")
        }
        guard hiddenWidths.allSatisfy({ $0 > 0 }) else {
            throw .invalidConfiguration("hiddenWidths must be positive, got \(hiddenWidths)")
        }
    }
}

/// Progress of a behaviour-cloning run after one epoch.
public struct BCProgress: Sendable {
    /// Epoch just finished (1-based).
    public var epoch: Int
    /// Mean training loss over the epoch (normalised action units).
    public var trainLoss: Float
    /// Held-out action MSE in the command space's units (nil without a validation split).
    public var validationMSE: Float?
}
