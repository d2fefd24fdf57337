import Enpire
import Testing
@testable import EnpireLearning

@Suite("Layer gradients (finite differences)")
struct LayerGradientTests {
    @Test("Linear: input, weight and bias gradients", arguments: [1, 5])
    func linear(batchSize: Int) {
        var rng = SplitMix64(seed: 1)
        let layer = Linear(inputFeatures: 6, outputFeatures: 4, rng: &rng)
        let result = GradientCheck.check(layer, input: GradientCheck.randomInput(count: batchSize * 6, seed: 2),
                                         batchSize: batchSize)
        #expect(result.input < 1e-3)
        #expect(result.parameters.count == 2)
        for error in result.parameters { #expect(error < 1e-3) }
    }

    @Test("ReLU away from the kink")
    func relu() {
        let result = GradientCheck.check(ReLU(features: 7), input: GradientCheck.randomInput(
            count: 21, seed: 3, awayFromZero: 0.05), batchSize: 3)
        #expect(result.input < 1e-3)
    }

    @Test("Tanh")
    func tanh() {
        let result = GradientCheck.check(Tanh(features: 7), input: GradientCheck.randomInput(count: 21, seed: 4),
                                         batchSize: 3)
        #expect(result.input < 1e-3)
    }

    @Test("GELU")
    func gelu() {
        let result = GradientCheck.check(GELU(features: 7), input: GradientCheck.randomInput(count: 21, seed: 5),
                                         batchSize: 3)
        #expect(result.input < 1e-3)
    }

    @Test("LayerNorm: input, scale and shift gradients")
    func layerNorm() throws {
        let layer = LayerNorm(features: 6)
        var rng = SplitMix64(seed: 9)
        try layer.scale.assign(.randomUniform([6], in: 0.5...1.5, using: &rng))
        try layer.shift.assign(.randomUniform([6], in: -0.5...0.5, using: &rng))
        let result = GradientCheck.check(layer, input: GradientCheck.randomInput(count: 18, seed: 6), batchSize: 3)
        #expect(result.input < 1e-3)
        for error in result.parameters { #expect(error < 1e-3) }
    }

    @Test("Dropout with a fixed mask, and identity in evaluation")
    func dropout() {
        var rng = SplitMix64(seed: 10)
        let layer = Dropout(features: 8, rate: 0.3, rng: &rng)
        let saved = layer.rng
        let result = GradientCheck.check(layer, input: GradientCheck.randomInput(count: 24, seed: 11), batchSize: 3,
                                         beforeForward: { layer.rng = saved })
        #expect(result.input < 1e-3)
        let input: [Float] = [1, 2, 3, 4, 5, 6, 7, 8]
        var output = [Float](repeating: 0, count: 8)
        input.withUnsafeBufferPointer { x in
            output.withUnsafeMutableBufferPointer { y in
                layer.forward(x.baseAddress!, y.baseAddress!, batchSize: 1, training: false)
            }
        }
        #expect(output == input)
    }

    @Test("Sequential MLP (Linear, LayerNorm, GELU, Tanh): input and every parameter")
    func sequential() throws {
        var rng = SplitMix64(seed: 12)
        let spec = MLPSpecification(inputFeatures: 5, hiddenWidths: [8, 6], outputFeatures: 3, activation: .gelu,
                                    layerNorm: true, tanhOutput: true)
        let network = try spec.makeNetwork(rng: &rng)
        let batch = 4
        let input = try Tensor(shape: [batch, 5], scalars: GradientCheck.randomInput(count: batch * 5, seed: 13))
        let weights = try Tensor(shape: [batch, 3], scalars: GradientCheck.randomInput(count: batch * 3, seed: 14))
        func objective(_ x: Tensor) throws -> Double {
            let y = try network.forward(x)
            return zip(y.scalars, weights.scalars).reduce(0) { $0 + Double($1.0) * Double($1.1) }
        }
        _ = try objective(input)
        var gradInput = Tensor.zeros([0, 0])
        try network.backward(weights, gradInput: &gradInput)
        let eps = GradientCheck.epsilon
        var numeric = [Double]()
        var x = input
        for index in x.scalars.indices {
            numeric.append(try GradientCheck.centralDifference(&x, \.scalars[index], epsilon: eps, objective))
        }
        #expect(GradientCheck.relativeError(gradInput.scalars, numeric) < 1e-3)
        let analytic = network.parameters.map { $0.gradient.scalars }
        for (parameter, gradient) in zip(network.parameters, analytic) {
            var numericParameter = [Double]()
            for index in 0..<parameter.count {
                numericParameter.append(try GradientCheck.centralDifference(at: parameter.storage.pointer + index,
                                                                            epsilon: eps) { try objective(input) })
            }
            #expect(GradientCheck.relativeError(gradient, numericParameter) < 1e-3, "\(parameter.name)")
        }
        #expect(network.parameters.map(\.name).prefix(4) == ["0.weight", "0.bias", "1.weight", "1.bias"])
    }

    @Test("Accumulate adds and skip leaves parameter gradients untouched")
    func gradientModes() throws {
        var rng = SplitMix64(seed: 15)
        let network = try MLPSpecification(inputFeatures: 3, hiddenWidths: [4], outputFeatures: 2)
            .makeNetwork(rng: &rng)
        let input = Tensor.randomNormal([2, 3], using: &rng), grad = Tensor.randomNormal([2, 2], using: &rng)
        _ = try network.forward(input)
        try network.backward(grad, mode: .overwrite)
        let once = network.parameters[0].gradient
        try network.backward(grad, mode: .accumulate)
        #expect((try network.parameters[0].gradient - once * 2).scalars.allSatisfy { abs($0) < 1e-5 })
        var gradInput = Tensor.zeros([0, 0])
        try network.backward(grad, gradInput: &gradInput, mode: .skip)
        #expect((try network.parameters[0].gradient - once * 2).scalars.allSatisfy { abs($0) < 1e-5 })
        #expect(gradInput.shape == [2, 3])
    }
}
