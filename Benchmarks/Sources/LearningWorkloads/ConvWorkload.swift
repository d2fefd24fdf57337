import Enpire
public import EnpireLearning

/// The convolutional encoder of compare_conv.py: ``ConvEncoderSpecification``'s default (3×3 stride-2 convs to
/// 32 and 64 channels, one residual block each, group norm with 8 groups, spatial softmax, Linear to 64), then
/// ReLU and a Linear(64 → 8) head trained with MSE and Adam (lr 1e-3) on a fixed random batch.
public final class ConvTrainStepWorkload {
    /// Encoder and head.
    public let network: Sequential
    let optimizer: Adam
    let inputs: Tensor
    let targets: Tensor
    var prediction = Tensor.zeros([0])
    var gradient = Tensor.zeros([0])

    /// Builds the network for `size`×`size` RGB images and a batch of `batchSize` random images.
    public init(size: Int, batchSize: Int, seed: UInt64 = 0) throws {
        var rng = SplitMix64(seed: seed)
        let image = ImageShape(channels: 3, height: size, width: size)
        var layers = try ConvEncoderSpecification(input: image).makeLayers(rng: &rng)
        layers.append(ReLU(features: 64))
        layers.append(Linear(inputFeatures: 64, outputFeatures: 8, rng: &rng))
        network = try Sequential(layers)
        optimizer = Adam(parameters: network.parameters, learningRate: 1e-3)
        inputs = Tensor.randomNormal([batchSize, image.count], using: &rng)
        targets = Tensor.randomNormal([batchSize, 8], using: &rng)
    }

    /// One training step (forward, MSE, backward, Adam); returns the loss.
    @discardableResult
    public func step() throws -> Float {
        try network.forward(inputs, into: &prediction, training: true)
        let loss = try MSELoss()(prediction: prediction, target: targets, gradient: &gradient)
        try network.backward(gradient)
        optimizer.step()
        return loss
    }

    /// One evaluation forward pass; returns the first output so the work cannot be elided.
    @discardableResult
    public func forward() throws -> Float {
        try network.forward(inputs, into: &prediction, training: false)
        return prediction.scalars[0]
    }
}
