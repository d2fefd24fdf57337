import Enpire
import Testing
@testable import EnpireLearning

@Suite("Optimisers, clipping and schedules")
struct OptimizerTests {
    private func parameter(_ value: Float, gradient: Float) -> Parameter {
        let p = Parameter(name: "w", value: Tensor(repeating: value, shape: [1]))
        p.gradientStorage.pointer[0] = gradient
        return p
    }

    @Test("Adam's first two steps match hand-computed values")
    func adam() {
        let p = parameter(1, gradient: 0.5)
        let adam = Adam(parameters: [p], learningRate: 0.1)
        adam.step()
        // m = 0.05, v = 0.00025, m̂ = 0.5, v̂ = 0.25: w = 1 − 0.1 · 0.5 / 0.5 = 0.9.
        #expect(abs(p.value.scalars[0] - 0.9) < 1e-6)
        p.gradientStorage.pointer[0] = -1
        adam.step()
        // m = 0.045 − 0.1 = −0.055, v = 0.00024975 + 0.001 = 0.00124975; m̂ = −0.055/0.19, v̂ = v/0.001999.
        let mHat = -0.055 / 0.19, vHat = 0.001_249_75 / 0.001_999
        let expected = 0.9 - 0.1 * mHat / (vHat.squareRoot() + 1e-8)
        #expect(abs(Double(p.value.scalars[0]) - expected) < 1e-5)
    }

    @Test("EMA weights: warm-up decay, then the configured decay")
    func exponentialMovingAverage() throws {
        let p = Parameter(name: "w", value: Tensor(repeating: 0, shape: [2]))
        let ema = ExponentialMovingAverage(parameters: [p], decay: 0.9)
        try p.assign(Tensor(repeating: 10, shape: [2]))
        ema.update()
        // First update: d = min(0.9, 2/11) = 2/11, average = 10 · 9/11.
        #expect(abs(Double(ema.stateDictionary()["w"]!.scalars[0]) - 90.0 / 11) < 1e-4)
        for _ in 0..<200 { ema.update() }
        // After many updates at a constant weight, the average converges to it.
        #expect(abs(ema.stateDictionary()["w"]!.scalars[1] - 10) < 1e-3)
        #expect(ema.updateCount == 201)
    }

    @Test("AdamW decays the weight before the Adam step; Adam's L2 folds decay into the gradient")
    func adamW() {
        let p = parameter(1, gradient: 0.5)
        Adam.adamW(parameters: [p], learningRate: 0.1, weightDecay: 0.1).step()
        #expect(abs(p.value.scalars[0] - (1 * (1 - 0.01) - 0.1)) < 1e-6)
        let q = parameter(1, gradient: 0.5)
        Adam(parameters: [q], learningRate: 0.1, weightDecay: 0.1).step()
        #expect(abs(q.value.scalars[0] - 0.9) < 1e-6)  // first Adam step is ±lr whatever the gradient scale
    }

    @Test("Global-norm clipping scales all gradients together")
    func clipping() {
        let a = parameter(0, gradient: 3), b = parameter(0, gradient: 4)
        let norm = GradientClipping.clip([a, b], maxNorm: 1)
        #expect(abs(norm - 5) < 1e-6)
        #expect(abs(a.gradient.scalars[0] - 0.6) < 1e-5)
        #expect(abs(b.gradient.scalars[0] - 0.8) < 1e-5)
    }

    @Test("Schedules: warmup, cosine endpoints")
    func schedules() {
        #expect(LearningRateSchedule.constant.factor(step: 1000) == 1)
        #expect(LearningRateSchedule.linearWarmup(warmupSteps: 4).factor(step: 1) == 0.5)
        let cosine = LearningRateSchedule.cosine(totalSteps: 100, minimumFactor: 0.1)
        #expect(abs(cosine.factor(step: 0) - 1) < 1e-6)
        #expect(abs(cosine.factor(step: 50) - 0.55) < 1e-5)
        #expect(abs(cosine.factor(step: 100) - 0.1) < 1e-6)
        let both = LearningRateSchedule.warmupCosine(warmupSteps: 10, totalSteps: 110, minimumFactor: 0)
        #expect(abs(both.factor(step: 4) - 0.5) < 1e-6)
        #expect(abs(both.factor(step: 60) - 0.5) < 1e-5)
    }

    @Test("Seeded generator and training are bit-reproducible")
    func reproducible() throws {
        func run() throws -> [Float] {
            var rng = SplitMix64(seed: 42)
            let network = try MLPSpecification(inputFeatures: 4, hiddenWidths: [16], outputFeatures: 2, dropout: 0.1)
                .makeNetwork(rng: &rng)
            let adam = Adam(parameters: network.parameters)
            let x = Tensor.randomNormal([8, 4], using: &rng), t = Tensor.randomNormal([8, 2], using: &rng)
            var prediction = Tensor.zeros([0]), gradient = Tensor.zeros([0])
            for _ in 0..<5 {
                try network.forward(x, into: &prediction, training: true)
                _ = try MSELoss()(prediction: prediction, target: t, gradient: &gradient)
                try network.backward(gradient)
                adam.step()
            }
            return network.parameters[0].value.scalars
        }
        #expect(try run() == run())
    }
}
