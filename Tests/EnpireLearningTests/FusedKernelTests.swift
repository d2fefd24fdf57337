import Enpire
import Foundation
import Testing
@testable import EnpireLearning

/// The fused Linear+activation path of `Sequential` and the vectorised Adam step against plain references:
/// layer-by-layer calls (unfused) and a scalar Adam written out here.
@Suite("Fused kernels")
struct FusedKernelTests {
    /// Runs `layers` one by one (no fusion) and returns output, input gradient and parameter gradients.
    private func reference(_ layers: [any Layer], input: [Float], gradOutput: [Float], batch: Int,
                           mode: ParameterGradientMode) -> (output: [Float], gradInput: [Float], grads: [[Float]]) {
        var blocks = [input]
        for layer in layers {
            var out = [Float](repeating: 0, count: batch * layer.outputFeatures)
            blocks.last!.withUnsafeBufferPointer { x in
                out.withUnsafeMutableBufferPointer { y in
                    layer.forward(x.baseAddress!, y.baseAddress!, batchSize: batch, training: true)
                }
            }
            blocks.append(out)
        }
        var upstream = gradOutput
        for index in layers.indices.reversed() {
            var down = [Float](repeating: 0, count: batch * layers[index].inputFeatures)
            blocks[index].withUnsafeBufferPointer { x in
                blocks[index + 1].withUnsafeBufferPointer { y in
                    upstream.withUnsafeBufferPointer { dy in
                        down.withUnsafeMutableBufferPointer { dx in
                            layers[index].backward(input: x.baseAddress!, output: y.baseAddress!,
                                                   gradOutput: dy.baseAddress!, gradInput: dx.baseAddress!,
                                                   batchSize: batch, mode: mode)
                        }
                    }
                }
            }
            if let linear = layers[index] as? Linear, mode != .skip {
                // Bias gradient recomputed by a plain column sum, independent of the library's reduction kernel
                // (the accumulate case starts from the 0.25 both networks are seeded with).
                let columns = linear.outputFeatures
                for column in 0..<columns {
                    var sum: Float = mode == .accumulate ? 0.25 : 0
                    for row in 0..<batch { sum += upstream[row * columns + column] }
                    linear.bias.gradientStorage.pointer[column] = sum
                }
            }
            upstream = down
        }
        return (blocks.last!, upstream, layers.flatMap(\.parameters).map(\.gradient.scalars))
    }

    private func maxDifference(_ a: [Float], _ b: [Float]) -> Float {
        zip(a, b).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? 0
    }

    /// Two identical networks (same seed): one through `Sequential` (fused), one layer by layer.
    private func compare(batch: Int, mode: ParameterGradientMode, tanhLast: Bool) throws -> Float {
        func layers() -> [any Layer] {
            var rng = SplitMix64(seed: 42)
            var result: [any Layer] = [Linear(inputFeatures: 13, outputFeatures: 260, rng: &rng), ReLU(features: 260),
                                       Linear(inputFeatures: 260, outputFeatures: 9, rng: &rng)]
            if tanhLast { result.append(Tanh(features: 9)) }
            return result
        }
        var rng = SplitMix64(seed: 7)
        let input = Tensor.randomNormal([batch, 13], using: &rng)
        let gradOutput = Tensor.randomNormal([batch, 9], using: &rng)
        let plain = layers()
        let network = try Sequential(layers())
        if mode == .accumulate {
            // Seed both with the same non-zero gradients so accumulation is checked.
            for (a, b) in zip(plain.flatMap(\.parameters), network.parameters) {
                a.gradientStorage.pointer.update(repeating: 0.25, count: a.count)
                b.gradientStorage.pointer.update(repeating: 0.25, count: b.count)
            }
        }
        let expected = reference(plain, input: input.scalars, gradOutput: gradOutput.scalars, batch: batch, mode: mode)
        let output = try network.forward(input, training: true)
        var gradInput = Tensor.zeros([0])
        try network.backward(gradOutput, gradInput: &gradInput, mode: mode)
        var worst = maxDifference(output.scalars, expected.output)
        worst = max(worst, maxDifference(gradInput.scalars, expected.gradInput))
        for (parameter, grads) in zip(network.parameters, expected.grads) {
            worst = max(worst, maxDifference(parameter.gradient.scalars, grads))
        }
        return worst
    }

    @Test("Sequential's fused Linear+ReLU/Tanh matches layer-by-layer calls",
          arguments: [1, 3, 1100])  // 1100 × 260 elements crosses the default parallel threshold (2^18)
    func fusedMatchesUnfused(batch: Int) throws {
        for mode in [ParameterGradientMode.overwrite, .accumulate, .skip] {
            for tanhLast in [false, true] {
                let worst = try compare(batch: batch, mode: mode, tanhLast: tanhLast)
                #expect(worst < 1e-4, "batch \(batch) mode \(mode) tanh \(tanhLast): \(worst)")
            }
        }
    }

    @Test("Vectorised, split Adam step equals the scalar formula", arguments: [37, 140_001])  // 140,001 × 2 ≥ 2^18
    func adamMatchesScalar(count: Int) {
        var rng = SplitMix64(seed: 3)
        let values = Tensor.randomNormal([count], using: &rng)
        let gradients = (0..<3).map { _ in Tensor.randomNormal([count], using: &rng) }
        let parameter = Parameter(name: "p", value: values)
        let adam = Adam(parameters: [parameter], learningRate: 0.01, weightDecay: 0.1)
        var w = values.scalars, m = [Float](repeating: 0, count: count), v = m
        for (step, gradient) in gradients.enumerated() {
            parameter.gradientStorage.copy(from: gradient.scalars)
            adam.step()
            let t = Float(step + 1)
            let stepSize: Float = 0.01 / (1 - powf(0.9, t))
            let inverse = 1 / (1 - powf(0.999, t)).squareRoot()
            var squares: Double = 0
            for j in 0..<count {
                let raw = gradient.scalars[j]
                squares += Double(raw * raw)
                let grad = raw + 0.1 * w[j]
                m[j] = 0.9 * m[j] + (1 - 0.9) * grad
                v[j] = 0.999 * v[j] + (1 - 0.999) * grad * grad
                w[j] = w[j] - stepSize * m[j] / (v[j].squareRoot() * inverse + 1e-8)
            }
            #expect(abs(adam.lastGradientNorm - Float(squares.squareRoot())) < 1e-3 * Float(squares.squareRoot()))
        }
        let worst = zip(parameter.value.scalars, w).map { abs($0 - $1) }.max() ?? 0
        #expect(worst < 1e-6)
    }
}
