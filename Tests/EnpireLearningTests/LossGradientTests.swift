import Enpire
import Foundation
import Testing
@testable import EnpireLearning

@Suite("Loss values and gradients")
struct LossGradientTests {
    private func numericGradient(_ x: Tensor, _ f: (Tensor) throws -> Float) rethrows -> [Double] {
        var x = x
        let eps: Float = 1e-2
        return try x.scalars.indices.map { index in
            try GradientCheck.centralDifference(&x, \.scalars[index], epsilon: eps) { Double(try f($0)) }
        }
    }

    @Test("MSE matches the definition and its gradient")
    func mse() throws {
        var rng = SplitMix64(seed: 1)
        let p = Tensor.randomNormal([4, 3], using: &rng), t = Tensor.randomNormal([4, 3], using: &rng)
        var gradient = Tensor.zeros([0])
        let value = try MSELoss()(prediction: p, target: t, gradient: &gradient)
        let expected = zip(p.scalars, t.scalars).reduce(0.0) { $0 + Double(($1.0 - $1.1) * ($1.0 - $1.1)) } / 12
        #expect(abs(Double(value) - expected) < 1e-6)
        var scratch = Tensor.zeros([0])
        let numeric = try numericGradient(p) { try MSELoss()(prediction: $0, target: t, gradient: &scratch) }
        #expect(GradientCheck.relativeError(gradient.scalars, numeric) < 1e-3)
    }

    @Test("Softmax cross-entropy with soft targets: value and gradient")
    func softmaxCrossEntropy() throws {
        var rng = SplitMix64(seed: 3)
        let logits = Tensor.randomNormal([3, 5], standardDeviation: 2, using: &rng)
        var targetScalars = (0..<15).map { _ in Float(rng.nextUnitDouble()) }
        for row in 0..<3 {
            let sum = targetScalars[(row * 5)..<(row * 5 + 5)].reduce(0, +)
            for k in 0..<5 { targetScalars[row * 5 + k] /= sum }
        }
        let target = try Tensor(shape: [3, 5], scalars: targetScalars)
        var gradient = Tensor.zeros([0])
        let loss = SoftmaxCrossEntropyLoss()
        let value = try loss(logits: logits, target: target, gradient: &gradient)
        var expected = 0.0
        for row in 0..<3 {
            let z = (0..<5).map { Double(logits.scalars[row * 5 + $0]) }
            let logSum = log(z.map { exp($0) }.reduce(0, +))
            for k in 0..<5 { expected -= Double(targetScalars[row * 5 + k]) * (z[k] - logSum) }
        }
        expected /= 3
        #expect(abs(Double(value) - expected) < 1e-5)
        var scratch = Tensor.zeros([0])
        let numeric = try numericGradient(logits) { try loss(logits: $0, target: target, gradient: &scratch) }
        #expect(GradientCheck.relativeError(gradient.scalars, numeric) < 1e-3)
        // A one-hot target on the largest logit gives a smaller loss than one on the smallest.
        var low = Tensor.zeros([1, 3]), high = Tensor.zeros([1, 3])
        low.scalars[0] = 1
        high.scalars[2] = 1
        let z = try Tensor(shape: [1, 3], scalars: [-1, 0, 3])
        #expect(try loss(logits: z, target: high, gradient: &scratch) < loss(logits: z, target: low, gradient: &scratch))
    }

    @Test("Huber in both regimes, residuals away from the threshold")
    func huber() throws {
        let p = try Tensor(shape: [6], scalars: [0.1, -0.3, 2.5, -3.0, 0.6, 1.7])
        let t = Tensor.zeros([6])
        var gradient = Tensor.zeros([0])
        let loss = HuberLoss(delta: 1)
        let value = try loss(prediction: p, target: t, gradient: &gradient)
        let expected = (0.005 + 0.045 + 2.0 + 2.5 + 0.18 + 1.2) / 6
        #expect(abs(Double(value) - expected) < 1e-5)
        var scratch = Tensor.zeros([0])
        let numeric = try numericGradient(p) { try loss(prediction: $0, target: t, gradient: &scratch) }
        #expect(GradientCheck.relativeError(gradient.scalars, numeric) < 1e-3)
    }

    @Test("Gaussian NLL: value and gradients for mean and log-std")
    func gaussianNLL() throws {
        var rng = SplitMix64(seed: 2)
        let mean = Tensor.randomNormal([3, 2], using: &rng), target = Tensor.randomNormal([3, 2], using: &rng)
        let logStd = Tensor.randomUniform([3, 2], in: -0.5...0.5, using: &rng)
        let loss = GaussianNLLLoss()
        var gm = Tensor.zeros([0]), gs = Tensor.zeros([0]), a = Tensor.zeros([0]), b = Tensor.zeros([0])
        let value = try loss(mean: mean, logStd: logStd, target: target, gradMean: &gm, gradLogStd: &gs)
        var expected = 0.0
        for i in 0..<6 {
            let s = Double(logStd.scalars[i]), d = Double(target.scalars[i] - mean.scalars[i])
            expected += 0.5 * d * d * exp(-2 * s) + s + 0.5 * log(2 * Double.pi)
        }
        #expect(abs(Double(value) - expected / 6) < 1e-5)
        let numericMean = try numericGradient(mean) {
            try loss(mean: $0, logStd: logStd, target: target, gradMean: &a, gradLogStd: &b)
        }
        let numericLogStd = try numericGradient(logStd) {
            try loss(mean: mean, logStd: $0, target: target, gradMean: &a, gradLogStd: &b)
        }
        #expect(GradientCheck.relativeError(gm.scalars, numericMean) < 1e-3)
        #expect(GradientCheck.relativeError(gs.scalars, numericLogStd) < 1e-3)
    }

    @Test("Mismatched shapes are an error, not a crash")
    func mismatch() {
        var gradient = Tensor.zeros([0])
        #expect(throws: TensorError.self) {
            try MSELoss()(prediction: .zeros([2, 2]), target: .zeros([3]), gradient: &gradient)
        }
    }
}
