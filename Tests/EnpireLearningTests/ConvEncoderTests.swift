import Enpire
import Testing
@testable import EnpireLearning

/// Finite-difference check of a whole network: relative errors for the input gradient and each parameter, on
/// at most `entries` evenly spaced elements of each (the whole network is re-run twice per probed element).
func networkGradientErrors(_ network: Sequential, input: Tensor, seed: UInt64, epsilon: Float = 3e-3,
                           entries: Int = 48) throws
    -> (input: Double, parameters: [(String, Double)], allParameters: Double) {
    let batch = input.count / network.inputFeatures
    var rng = SplitMix64(seed: seed)
    let weights = Tensor.randomNormal([batch, network.outputFeatures], using: &rng)
    func objective(_ x: Tensor) throws -> Double {
        let y = try network.forward(x, training: true)
        return zip(y.scalars, weights.scalars).reduce(0) { $0 + Double($1.0) * Double($1.1) }
    }
    func probed(_ count: Int) -> [Int] { Array(stride(from: 0, to: count, by: max(1, count / entries))) }
    _ = try objective(input)
    var gradInput = Tensor.zeros([0, 0])
    try network.backward(weights, gradInput: &gradInput)
    var x = input, numeric: [Double] = []
    let inputIndices = probed(x.count)
    for index in inputIndices {
        numeric.append(try GradientCheck.centralDifference(&x, \.scalars[index], epsilon: epsilon, objective))
    }
    let inputError = GradientCheck.relativeError(inputIndices.map { gradInput.scalars[$0] }, numeric)
    let analytic = network.parameters.map { $0.gradient.scalars }
    var errors: [(String, Double)] = []
    var allAnalytic: [Float] = [], allNumeric: [Double] = []
    for (parameter, gradient) in zip(network.parameters, analytic) {
        var numericParameter: [Double] = []
        let pointer = parameter.storage.pointer, indices = probed(parameter.count)
        for index in indices {
            numericParameter.append(try GradientCheck.centralDifference(at: pointer + index, epsilon: epsilon) {
                try objective(input)
            })
        }
        errors.append((parameter.name, GradientCheck.relativeError(indices.map { gradient[$0] }, numericParameter)))
        allAnalytic += indices.map { gradient[$0] }
        allNumeric += numericParameter
    }
    return (inputError, errors, GradientCheck.relativeError(allAnalytic, allNumeric))
}

@Suite("Convolutional encoder (residual block, Sequential, training)")
struct ConvEncoderTests {
    @Test("ResidualBlock: input and all eight parameter gradients")
    func residualBlock() throws {
        var rng = SplitMix64(seed: 20)
        let shape = ImageShape(channels: 4, height: 4, width: 4)
        let block = try ResidualBlock(shape: shape, groups: 2, rng: &rng)
        try block.norm1.scale.assign(.randomUniform([4], in: 0.5...1.5, using: &rng))
        try block.norm2.shift.assign(.randomUniform([4], in: 0...0.5, using: &rng))
        #expect(block.parameters.map(\.name) == ["conv1.weight", "conv1.bias", "norm1.weight", "norm1.bias",
                                                 "conv2.weight", "conv2.bias", "norm2.weight", "norm2.bias"])
        let x = try Tensor(shape: [2, shape.count], scalars: GradientCheck.randomInput(count: 2 * shape.count,
                                                                                      seed: 21))
        let result = try networkGradientErrors(Sequential([block]), input: x, seed: 7, entries: 1000)
        // Probes of ±0.003 rarely cross a ReLU kink (±0.01 did for one weight); a wrong backward gives errors ~1.
        #expect(result.input < 1e-3)
        #expect(result.parameters.count == 8)
        for (name, error) in result.parameters { #expect(error < 1e-3, "\(name)") }
    }

    @Test("Encoder (spatial softmax and global pooling): shapes, names and gradients through Sequential",
          arguments: ConvEncoderSpecification.Pooling.allCases)
    func encoderGradients(pooling: ConvEncoderSpecification.Pooling) throws {
        var rng = SplitMix64(seed: 22)
        let spec = ConvEncoderSpecification(input: ImageShape(channels: 3, height: 16, width: 16), channels: [4, 8],
                                            groups: 2, pooling: pooling, outputFeatures: 5)
        let network = try spec.makeNetwork(rng: &rng)
        #expect(network.inputFeatures == 768)
        #expect(network.outputFeatures == 5)
        let names = network.parameters.map(\.name)
        #expect(Set(names).count == names.count)
        #expect(names.contains("3.conv1.weight"))
        let input = try Tensor(shape: [2, 768], scalars: GradientCheck.randomInput(count: 1536, seed: 23))
        // Float32 outputs: the input gradient is checked with wide probes (rounding noise ∝ 1/ε dominates small
        // ones), the parameters with narrow ones (ReLU kinks and curvature of tiny group norms dominate wide ones).
        // A wrong backward leaves an error floor of order 1 that does not shrink with ε.
        let wide = try networkGradientErrors(network, input: input, seed: 24, epsilon: 3e-2)
        let medium = try networkGradientErrors(network, input: input, seed: 24, epsilon: 1e-2)
        let narrow = try networkGradientErrors(network, input: input, seed: 24, epsilon: 3e-4)
        #expect(wide.input < 2e-3)
        #expect(narrow.allParameters < 2e-2)
        #expect(narrow.allParameters < medium.allParameters / 2)
        // The state dictionary round-trips into a fresh encoder with other weights.
        var other = SplitMix64(seed: 25)
        let copy = try spec.makeNetwork(rng: &other)
        try copy.load(stateDictionary: network.stateDictionary())
        #expect(try copy.forward(input) == network.forward(input))
    }

    @Test("Global max pooling: one value per channel, the largest; non-square maps refused")
    func globalMaxPooling() throws {
        var rng = SplitMix64(seed: 31)
        let spec = ConvEncoderSpecification(input: ImageShape(channels: 3, height: 16, width: 16), channels: [4, 8],
                                            groups: 2, pooling: .globalMax, outputFeatures: 5)
        let layers = try spec.makeLayers(rng: &rng)
        let pool = try #require(layers[layers.count - 2] as? MaxPool2d)
        #expect(pool.outputShape == ImageShape(channels: 8, height: 1, width: 1))
        let maps = Tensor.randomNormal([2, pool.inputFeatures], using: &rng)
        let pooled = try Sequential([pool]).forward(maps)
        for example in 0..<2 {
            for channel in 0..<8 {
                let start = example * 128 + channel * 16
                #expect(pooled.scalars[example * 8 + channel] == maps.scalars[start..<(start + 16)].max())
            }
        }
        let wide = ConvEncoderSpecification(input: ImageShape(channels: 3, height: 16, width: 32), channels: [4],
                                            groups: 2, pooling: .globalMax, outputFeatures: 5)
        #expect(throws: TensorError.self) { try wide.makeLayers(rng: &rng) }
    }

    @Test("Linear readout: no pooling layer, the Linear reads every value of the last feature maps")
    func linearReadoutShape() throws {
        var rng = SplitMix64(seed: 32)
        let spec = ConvEncoderSpecification(input: ImageShape(channels: 3, height: 16, width: 12), channels: [4, 8],
                                            groups: 2, pooling: .linearReadout, outputFeatures: 5)
        let layers = try spec.makeLayers(rng: &rng)
        // conv, norm, relu, block per stage; then the readout alone: 8 channels of 4 × 3.
        #expect(layers[layers.count - 2] is ResidualBlock)
        let readout = try #require(layers.last as? Linear)
        #expect(readout.inputFeatures == 8 * 4 * 3)
        #expect(readout.outputFeatures == 5)
        // Each output is the maps (flattened NCHW, as the stages leave them) dotted with its weight row, plus bias.
        let stages = try Sequential(Array(layers.dropLast())), network = try Sequential(layers)
        let input = Tensor.randomNormal([2, 576], using: &rng)
        let maps = try stages.forward(input), output = try network.forward(input)
        for example in 0..<2 {
            for unit in 0..<5 {
                var sum = Double(readout.bias.value.scalars[unit])
                for index in 0..<96 {
                    sum += Double(maps.scalars[example * 96 + index]) * Double(readout.weight.value.scalars[unit * 96 + index])
                }
                #expect(abs(Double(output.scalars[example * 5 + unit]) - sum) < 1e-4)
            }
        }
    }

    /// Images whose top-left quarter and the rest have brightness densities of their own, and the share of the
    /// quarter's pixels that are bright (a weighted pixel count: a fixed region's covered share).
    private func quarterShares(count: Int, rng: inout SplitMix64) -> (images: Tensor, shares: Tensor) {
        var images = Tensor.zeros([count, 256]), shares = Tensor.zeros([count, 1])
        for example in 0..<count {
            let inside = rng.nextUnitDouble(), outside = rng.nextUnitDouble()
            var bright = 0
            for row in 0..<16 {
                for column in 0..<16 {
                    let quarter = row < 8 && column < 8
                    guard rng.nextUnitDouble() < (quarter ? inside : outside) else { continue }
                    images[example, row * 16 + column] = 1
                    if quarter { bright += 1 }
                }
            }
            shares[example, 0] = Float(bright) / 64
        }
        return (images, shares)
    }

    /// Mean squared error on 64 fresh images after training an encoder of `pooling` on 256 to regress the share.
    private func quarterShareHeldOutLoss(pooling: ConvEncoderSpecification.Pooling) throws -> Float {
        var rng = SplitMix64(seed: 33)
        let spec = ConvEncoderSpecification(input: ImageShape(channels: 1, height: 16, width: 16), channels: [8, 8],
                                            residualBlocksPerStage: 0, groups: 4, pooling: pooling, outputFeatures: 1)
        let network = try spec.makeNetwork(rng: &rng)
        let training = quarterShares(count: 256, rng: &rng), fresh = quarterShares(count: 64, rng: &rng)
        let adam = Adam(parameters: network.parameters, learningRate: 3e-3)
        var prediction = Tensor.zeros([0]), gradient = Tensor.zeros([0])
        for _ in 0..<300 {
            try network.forward(training.images, into: &prediction, training: true)
            _ = try MSELoss()(prediction: prediction, target: training.shares, gradient: &gradient)
            try network.backward(gradient)
            adam.step()
        }
        try network.forward(fresh.images, into: &prediction, training: false)
        return try MSELoss()(prediction: prediction, target: fresh.shares, gradient: &gradient)
    }

    @Test("Linear readout learns a weighted pixel count (a region's covered share) and holds on fresh images")
    func linearReadoutCountsARegion() throws {
        let readout = try quarterShareHeldOutLoss(pooling: .linearReadout)
        // The shares' variance is about 0.085 (a uniform density plus binomial noise); predicting their mean scores
        // that. Global average pooling, measured the same way, also reaches about 0.011 here (the convolutions'
        // zero padding tells it where the quarter is), so this checks that the readout learns, not that it wins.
        #expect(readout < 0.02, "readout \(readout)")
    }

    @Test("Encoder with random shift trains: Adam on an MSE head lowers the loss on a fixed batch")
    func encoderTrains() throws {
        var rng = SplitMix64(seed: 26)
        let spec = ConvEncoderSpecification(input: ImageShape(channels: 3, height: 16, width: 16), channels: [8, 8],
                                            groups: 4, outputFeatures: 2, randomShift: 1)
        let network = try spec.makeNetwork(rng: &rng)
        #expect(network.layers.first is RandomShift)
        let batch = 8
        // Target: the (x, y) position of a bright square, a keypoint the spatial softmax can express.
        var images = Tensor.zeros([batch, 768]), targets = Tensor.zeros([batch, 2])
        for example in 0..<batch {
            let row = 2 + example % 4 * 3, column = 2 + example / 4 * 8
            for channel in 0..<3 {
                for dr in 0..<3 {
                    for dc in 0..<3 { images[example, channel * 256 + (row + dr) * 16 + column + dc] = 1 }
                }
            }
            targets[example, 0] = Float(column) / 8 - 1
            targets[example, 1] = Float(row) / 8 - 1
        }
        let adam = Adam(parameters: network.parameters, learningRate: 3e-3)
        var prediction = Tensor.zeros([0]), gradient = Tensor.zeros([0])
        var losses: [Float] = []
        for _ in 0..<60 {
            try network.forward(images, into: &prediction, training: true)
            losses.append(try MSELoss()(prediction: prediction, target: targets, gradient: &gradient))
            try network.backward(gradient)
            adam.step()
        }
        #expect(losses.allSatisfy { $0.isFinite })
        #expect(losses.suffix(5).reduce(0, +) / 5 < losses[0] * 0.3, "losses \(losses.first!) → \(losses.last!)")
    }

    @Test("Accumulate doubles and skip keeps the encoder's parameter gradients")
    func gradientModes() throws {
        var rng = SplitMix64(seed: 27)
        let network = try ConvEncoderSpecification(input: ImageShape(channels: 2, height: 6, width: 6), channels: [4],
                                                   groups: 2, outputFeatures: 3).makeNetwork(rng: &rng)
        let input = Tensor.randomNormal([2, 72], using: &rng), grad = Tensor.randomNormal([2, 3], using: &rng)
        _ = try network.forward(input, training: true)
        try network.backward(grad, mode: .overwrite)
        let once = network.parameters.map(\.gradient)
        try network.backward(grad, mode: .accumulate)
        var gradInput = Tensor.zeros([0, 0])
        try network.backward(grad, gradInput: &gradInput, mode: .skip)
        for (parameter, first) in zip(network.parameters, once) {
            let twice = try parameter.gradient - first * 2
            #expect(twice.scalars.allSatisfy { abs($0) < 1e-4 }, "\(parameter.name)")
        }
        #expect(gradInput.shape == [2, 72])
    }
}

@Suite("Ensembles sharing their first convolution")
struct SharedStemEnsembleTests {
    /// Members of one geometry with different weights (as a classifier's folds), with or without a leading
    /// RandomShift, both poolings, stem depths below and above one OpenBLAS block.
    @Test("every member's output equals its own evaluation forward pass, float for float",
          arguments: [(3, 24, ConvEncoderSpecification.Pooling.spatialSoftmax, 0), (3, 40, .globalMax, 2),
                      (48, 12, .globalMax, 1)])
    func sharedStemMatchesMembers(channels: Int, side: Int, pooling: ConvEncoderSpecification.Pooling,
                                  shift: Int) throws {
        let shape = ImageShape(channels: channels, height: side, width: side)
        let spec = ConvEncoderSpecification(input: shape, channels: [8, 16], residualBlocksPerStage: 0, groups: 4,
                                            pooling: pooling, outputFeatures: 6, randomShift: shift)
        let members = try (0..<5).map { index in
            var rng = SplitMix64(seed: 90 + UInt64(index))
            return try spec.makeNetwork(rng: &rng)
        }
        let names = members.map { $0.parameters.map(\.name) }
        let ensemble = try #require(SharedStemEnsemble(members: members))
        // The members' checkpoints are unchanged: sharing their layers renames no parameter.
        #expect(members.map { $0.parameters.map(\.name) } == names)
        #expect(names[0].contains("\(shift > 0 ? 1 : 0).weight"))
        #expect(ensemble.count == 5 && ensemble.inputFeatures == shape.count && ensemble.outputFeatures == 6)
        for round in 0..<3 {
            let x = GradientCheck.randomInput(count: shape.count, seed: 100 + UInt64(round))
            var shared = [[Float]](repeating: [], count: 5)
            x.withUnsafeBufferPointer { example in
                ensemble.forEachOutput(of: example.baseAddress!) { member, output in
                    shared[member] = Array(UnsafeBufferPointer(start: output, count: 6))
                }
            }
            for (member, network) in members.enumerated() {
                let own = try network.forward(Tensor(shape: [1, shape.count], scalars: x), training: false).scalars
                #expect(shared[member] == own, "round \(round), member \(member)")
            }
            // Training a member between calls is seen: its next shared output follows the new weights.
            let stem = try #require(members[2].layers.first { $0 is Conv2d } as? Conv2d)
            try stem.weight.assign(Tensor(shape: stem.weight.shape, scalars: stem.weight.value.scalars.map { $0 * 0.5 }))
        }
    }

    @Test("members that cannot share a stem are refused")
    func refusesMismatchedMembers() throws {
        var rng = SplitMix64(seed: 5)
        let small = ConvEncoderSpecification(input: ImageShape(channels: 3, height: 16, width: 16), channels: [8],
                                             residualBlocksPerStage: 0, groups: 4, outputFeatures: 4)
        let wide = ConvEncoderSpecification(input: ImageShape(channels: 3, height: 16, width: 16), channels: [12],
                                            residualBlocksPerStage: 0, groups: 4, outputFeatures: 4)
        let a = try small.makeNetwork(rng: &rng), b = try wide.makeNetwork(rng: &rng)
        #expect(SharedStemEnsemble(members: [a]) == nil)
        #expect(SharedStemEnsemble(members: [a, b]) == nil)
        let mlp = try Sequential([Linear(inputFeatures: 4, outputFeatures: 4, rng: &rng)])
        #expect(SharedStemEnsemble(members: [mlp, mlp]) == nil)
    }
}
