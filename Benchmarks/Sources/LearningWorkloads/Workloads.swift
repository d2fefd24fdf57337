import Enpire
public import EnpireLearning

/// One supervised training step (forward, MSE, backward, Adam) on fixed random data; allocation-free after
/// the first call.
public final class TrainStepWorkload {
    /// The network.
    public let network: Sequential
    let optimizer: Adam
    let inputs: Tensor
    let targets: Tensor
    var prediction = Tensor.zeros([0])
    var gradient = Tensor.zeros([0])

    /// Trains `network` (Adam, lr 1e-3) on a batch of `batchSize` random inputs and targets drawn from `rng`.
    public init(network: Sequential, batchSize: Int, rng: inout SplitMix64) {
        self.network = network
        optimizer = Adam(parameters: network.parameters, learningRate: 1e-3)
        inputs = Tensor.randomNormal([batchSize, network.inputFeatures], using: &rng)
        targets = Tensor.randomNormal([batchSize, network.outputFeatures], using: &rng)
    }

    /// Builds an MLP `input → hidden… → output` with ReLU and a batch of random data.
    public convenience init(input: Int, hidden: [Int], output: Int, batchSize: Int, seed: UInt64 = 0) throws {
        var rng = SplitMix64(seed: seed)
        let network = try MLPSpecification(inputFeatures: input, hiddenWidths: hidden, outputFeatures: output)
            .makeNetwork(rng: &rng)
        self.init(network: network, batchSize: batchSize, rng: &rng)
    }

    /// Runs one step and returns the loss.
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

/// Batch-1 inference through the pointer-level forward (the policy's hot path without encoding).
public final class InferenceWorkload {
    let network: Sequential
    let input: [Float]

    /// Builds the network of benchmark (a).
    public init(seed: UInt64 = 0) throws {
        var rng = SplitMix64(seed: seed)
        network = try MLPSpecification(inputFeatures: 64, hiddenWidths: [256, 256], outputFeatures: 8)
            .makeNetwork(rng: &rng)
        input = (0..<64).map { _ in Float(rng.nextGaussian()) }
    }

    /// One forward pass; returns the first output so the work cannot be elided.
    @discardableResult
    public func run() -> Float {
        input.withUnsafeBufferPointer { network.forward($0.baseAddress!, batchSize: 1, training: false)[0] }
    }
}

/// Square sgemm through `Tensor.matmul(into:)`.
public final class MatmulWorkload {
    let a: Tensor
    let b: Tensor
    var c = Tensor.zeros([0])
    /// Matrix size.
    public let size: Int

    /// Random `size × size` operands.
    public init(size: Int) {
        self.size = size
        var rng = SplitMix64(seed: 1)
        a = Tensor.randomNormal([size, size], using: &rng)
        b = Tensor.randomNormal([size, size], using: &rng)
    }

    /// One product.
    public func run() throws { try a.matmul(b, into: &c) }
}
