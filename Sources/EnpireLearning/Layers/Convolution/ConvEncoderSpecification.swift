public import Enpire

/// The recipe of a small ResNet-style image encoder built from EnpireLearning's convolution layers: enough to
/// rebuild it before loading a checkpoint.
///
/// Layers, for each entry of ``channels``: a 3×3 stride-2 ``Conv2d`` (padding 1) → ``GroupNorm`` → ``ReLU``
/// → ``residualBlocksPerStage`` × ``ResidualBlock``; then ``SpatialSoftmax`` (2 values per channel), global
/// ``AvgPool2d`` or global ``MaxPool2d`` (1 per channel), or no pooling at all (``Pooling/linearReadout``), then a
/// ``Linear`` to ``outputFeatures``. With ``randomShift`` > 0 a
/// ``RandomShift`` augmentation comes first (active only in training). Inputs are NCHW images flattened to
/// `[batch, channels · height · width]`.
public struct ConvEncoderSpecification: Sendable, Codable, Equatable {
    /// How the last feature maps become a vector.
    public enum Pooling: String, Sendable, Codable, CaseIterable {
        /// Expected (x, y) per channel (``SpatialSoftmax``).
        case spatialSoftmax
        /// Mean per channel (global ``AvgPool2d``).
        case globalAverage
        /// Maximum per channel (a ``MaxPool2d`` window over the whole map; square maps only): says whether a
        /// feature is present anywhere, where ``spatialSoftmax`` says where it is.
        case globalMax
        /// No pooling: the ``Linear`` reads every value of the last feature maps (channels · height · width inputs),
        /// so each output is a learned spatial weight map per channel: it can count where a feature is (the share of
        /// a fixed region it covers, or whether it shows outside one), which a pooled vector summarises away.
        case linearReadout
    }

    /// Shape of one input image.
    public var input: ImageShape
    /// Output channels of each downsampling stage.
    public var channels: [Int]
    /// Residual blocks after each stage's downsampling convolution.
    public var residualBlocksPerStage: Int
    /// Groups of every group norm; must divide every entry of ``channels``.
    public var groups: Int
    /// Pooling before the final linear layer.
    public var pooling: Pooling
    /// Width of the encoding.
    public var outputFeatures: Int
    /// Largest random shift in pixels for DrQ augmentation (0 disables it).
    public var randomShift: Int

    /// Creates a specification (defaults: two stages of 32 and 64 channels, one residual block each, 8
    /// groups, spatial softmax, 64 features, no augmentation).
    public init(input: ImageShape, channels: [Int] = [32, 64], residualBlocksPerStage: Int = 1, groups: Int = 8,
                pooling: Pooling = .spatialSoftmax, outputFeatures: Int = 64, randomShift: Int = 0) {
        self.input = input
        self.channels = channels
        self.residualBlocksPerStage = residualBlocksPerStage
        self.groups = groups
        self.pooling = pooling
        self.outputFeatures = outputFeatures
        self.randomShift = randomShift
    }

    /// Builds the layers, failing with the offending layer's shape problem (for example groups that do not
    /// divide a channel count, or an image too small for the number of stages).
    public func makeLayers(rng: inout SplitMix64) throws(TensorError) -> [any Layer] {
        guard !channels.isEmpty, residualBlocksPerStage >= 0, outputFeatures > 0 else {
            throw .shapeMismatch("ConvEncoderSpecification needs at least one stage, residualBlocksPerStage ≥ 0 "
                + "and outputFeatures > 0")
        }
        var layers: [any Layer] = []
        if randomShift > 0 { layers.append(try RandomShift(shape: input, pad: randomShift, rng: &rng)) }
        var shape = input
        for width in channels {
            let conv = try Conv2d(inputShape: shape, outputChannels: width, kernelSize: 3, stride: 2, padding: 1,
                                  rng: &rng)
            shape = conv.outputShape
            layers.append(conv)
            layers.append(try GroupNorm(shape: shape, groups: groups))
            layers.append(ReLU(features: shape.count))
            for _ in 0..<residualBlocksPerStage {
                layers.append(try ResidualBlock(shape: shape, groups: groups, rng: &rng))
            }
        }
        let pooled: (any Layer)? = switch pooling {
        case .spatialSoftmax: try SpatialSoftmax(inputShape: shape)
        case .globalAverage: try AvgPool2d(globalOver: shape)
        case .globalMax: try Self.globalMax(over: shape)
        case .linearReadout: nil
        }
        if let pooled { layers.append(pooled) }
        layers.append(Linear(inputFeatures: pooled?.outputFeatures ?? shape.count, outputFeatures: outputFeatures,
                             rng: &rng))
        return layers
    }

    private static func globalMax(over shape: ImageShape) throws(TensorError) -> MaxPool2d {
        guard shape.height == shape.width else {
            throw .shapeMismatch("global max pooling needs square feature maps, not \(shape)")
        }
        return try MaxPool2d(inputShape: shape, kernelSize: shape.height)
    }

    /// Builds the encoder as a ``Sequential``.
    public func makeNetwork(rng: inout SplitMix64) throws(TensorError) -> Sequential {
        try Sequential(makeLayers(rng: &rng))
    }
}
