import Enpire
import Testing
@testable import EnpireLearning

/// The convolution stack's other layers: known values and finite-difference gradients.
@Suite("Group norm, pooling, spatial softmax and random shift (known values and finite differences)")
struct NormalisationPoolingLayerTests {
    @Test("GroupNorm: each group of each example has mean 0 and variance 1; gradients")
    func groupNorm() throws {
        let shape = ImageShape(channels: 4, height: 3, width: 2)
        let layer = try GroupNorm(shape: shape, groups: 2)
        let x = GradientCheck.randomInput(count: 3 * shape.count, seed: 7).map { $0 * 3 + 5 }
        let y = runForward(layer, x, batchSize: 3)
        for block in stride(from: 0, to: y.count, by: 12) {
            let values = y[block..<(block + 12)].map(Double.init)
            let mean = values.reduce(0, +) / 12
            let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / 12
            #expect(abs(mean) < 1e-5)
            #expect(abs(variance - 1) < 1e-3)
        }
        var rng = SplitMix64(seed: 8)
        try layer.scale.assign(.randomUniform([4], in: 0.5...1.5, using: &rng))
        try layer.shift.assign(.randomUniform([4], in: -0.5...0.5, using: &rng))
        let result = GradientCheck.check(layer, input: GradientCheck.randomInput(count: 3 * shape.count, seed: 9),
                                         batchSize: 3)
        #expect(result.input < 1e-3)
        for error in result.parameters { #expect(error < 1e-3) }
        #expect(throws: TensorError.self) { try GroupNorm(shape: shape, groups: 3) }
    }

    @Test("MaxPool2d: window maxima and gradients to the arg-max")
    func maxPool() throws {
        let shape = ImageShape(channels: 2, height: 4, width: 4)
        let layer = try MaxPool2d(inputShape: shape, kernelSize: 2)
        let x = (0..<32).map { Float(($0 * 7) % 32) }
        let y = runForward(layer, x, batchSize: 1)
        var expected: [Float] = []
        for c in 0..<2 {
            for i in 0..<2 {
                for j in 0..<2 {
                    let window = [0, 1, 4, 5].map { x[c * 16 + i * 8 + j * 2 + $0 / 4 * 4 + $0 % 4] }
                    expected.append(window.max()!)
                }
            }
        }
        #expect(y == expected)
        // Distinct values (a permutation) keep the arg-max stable under the ±0.01 probes.
        let input = (0..<64).map { Float(($0 * 37) % 64) * 0.1 }
        let overlapping = try MaxPool2d(inputShape: shape, kernelSize: 3, stride: 1)
        for pool in [layer, overlapping] {
            #expect(GradientCheck.check(pool, input: input, batchSize: 2).input < 1e-3)
        }
    }

    @Test("AvgPool2d: window means, global pooling and gradients")
    func avgPool() throws {
        let shape = ImageShape(channels: 1, height: 2, width: 4)
        let layer = try AvgPool2d(inputShape: shape, kernelSize: 2)
        #expect(runForward(layer, [1, 2, 3, 4, 5, 6, 7, 8], batchSize: 1) == [3.5, 5.5])
        let global = try AvgPool2d(globalOver: ImageShape(channels: 2, height: 3, width: 5))
        #expect(global.outputFeatures == 2)
        let x = GradientCheck.randomInput(count: 60, seed: 10)
        let y = runForward(global, x, batchSize: 2)
        #expect(abs(y[1] - x[15..<30].reduce(0, +) / 15) < 1e-5)
        #expect(GradientCheck.check(global, input: x, batchSize: 2).input < 1e-3)
        #expect(GradientCheck.check(layer, input: GradientCheck.randomInput(count: 16, seed: 11), batchSize: 2).input
            < 1e-3)
    }

    @Test("SpatialSoftmax: a sharp peak gives its pixel's coordinates; gradients")
    func spatialSoftmax() throws {
        let shape = ImageShape(channels: 2, height: 3, width: 5)
        let layer = try SpatialSoftmax(inputShape: shape)
        var x = [Float](repeating: 0, count: 30)
        x[1 * 5 + 4] = 40  // channel 0: row 1 (y = 0), column 4 (x = 1)
        x[15 + 2 * 5 + 0] = 40  // channel 1: row 2 (y = 1), column 0 (x = -1)
        let y = runForward(layer, x, batchSize: 1)
        let expected: [Float] = [1, 0, -1, 1]
        #expect(zip(y, expected).allSatisfy { abs($0 - $1) < 1e-4 })
        let uniform = runForward(layer, [Float](repeating: 3, count: 30), batchSize: 1)
        #expect(uniform.allSatisfy { abs($0) < 1e-6 })
        let result = GradientCheck.check(layer, input: GradientCheck.randomInput(count: 60, seed: 12), batchSize: 2)
        #expect(result.input < 1e-3)
    }

    @Test("RandomShift: replicate-padded shifts from a seed, identity in evaluation, gradients")
    func randomShift() throws {
        var rng = SplitMix64(seed: 13)
        let shape = ImageShape(channels: 2, height: 5, width: 6)
        let layer = try RandomShift(shape: shape, pad: 2, rng: &rng)
        let x = GradientCheck.randomInput(count: 3 * shape.count, seed: 14)
        #expect(runForward(layer, x, batchSize: 3, training: false) == x)
        let saved = layer.rng
        let y = runForward(layer, x, batchSize: 3, training: true)
        let shifts = layer.lastShifts
        #expect(shifts.count == 3)
        #expect(shifts.allSatisfy { abs($0.dx) <= 2 && abs($0.dy) <= 2 })
        for (example, shift) in shifts.enumerated() {
            for c in 0..<2 {
                for r in 0..<5 {
                    for s in 0..<6 {
                        let sr = min(max(r + shift.dy, 0), 4), ss = min(max(s + shift.dx, 0), 5)
                        let base = example * 60 + c * 30
                        #expect(y[base + r * 6 + s] == x[base + sr * 6 + ss])
                    }
                }
            }
        }
        layer.rng = saved
        #expect(runForward(layer, x, batchSize: 3, training: true) == y)
        var other = SplitMix64(seed: 99)
        let many = try RandomShift(shape: shape, pad: 2, rng: &other)
        _ = runForward(many, [Float](repeating: 0, count: 40 * shape.count), batchSize: 40, training: true)
        #expect(Set(many.lastShifts.map { $0.dx * 10 + $0.dy }).count > 5)
        let result = GradientCheck.check(layer, input: x, batchSize: 3, beforeForward: { layer.rng = saved })
        #expect(result.input < 1e-3)
    }
}
