import Enpire
import EnpireLearning

extension TrainStepWorkload {
    /// The convolutional encoder of compare_conv.py for `size`×`size` RGB images: ``ConvEncoderSpecification``'s
    /// default (3×3 stride-2 convs to 32 and 64 channels, one residual block each, group norm with 8 groups,
    /// spatial softmax, Linear to 64), then ReLU and a Linear(64 → 8) head, trained with MSE and Adam (lr 1e-3) on
    /// a fixed random batch of `batchSize` images.
    public convenience init(convolutionalSize size: Int, batchSize: Int, seed: UInt64 = 0) throws {
        var rng = SplitMix64(seed: seed)
        let image = ImageShape(channels: 3, height: size, width: size)
        var layers = try ConvEncoderSpecification(input: image).makeLayers(rng: &rng)
        layers.append(ReLU(features: 64))
        layers.append(Linear(inputFeatures: 64, outputFeatures: 8, rng: &rng))
        self.init(network: try Sequential(layers), batchSize: batchSize, rng: &rng)
    }
}
