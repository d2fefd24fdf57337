/// What ``PushTFrameAnalyzer`` measures in one top-down Push-T frame.
public struct PushTFrameFeatures: Sendable, Codable, Equatable {
    /// Block pose estimated from its pixels, nil when too little of the block is visible.
    public var block: PushTImagePose?
    /// Block pixels as a share of the area a fully visible block covers at the goal's scale.
    public var blockAreaRatio: Double
    /// Fraction of the image that looks like the bright arena (a sanity check of the view and exposure).
    public var arenaFraction: Double
    /// Estimated share of the goal covered by the block (0 when no block is seen).
    public var estimatedCoverage: Double
    /// Centre of the agent disc in image pixels, nil when it is not seen.
    public var agent: [Double]?

    /// Creates features.
    public init(block: PushTImagePose?, blockAreaRatio: Double, arenaFraction: Double, estimatedCoverage: Double,
                agent: [Double]? = nil) {
        self.agent = agent
        self.block = block
        self.blockAreaRatio = blockAreaRatio
        self.arenaFraction = arenaFraction
        self.estimatedCoverage = estimatedCoverage
    }
}
