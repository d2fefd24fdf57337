import CKernels
import Enpire
import Foundation
import Testing
@testable import EnpireLearning

/// The C element-wise kernels of the training step (bias + activation, activation gradient + bias gradient, the
/// fused Adam update): the variant this CPU runs against the portable variant (identical floats: both perform
/// the same IEEE operations in the same order) and against a double-precision reference, on shapes that hit the
/// vector loop and its scalar remainder.
@Suite("Element-wise kernels")
struct ElementwiseKernelTests {
    static let shapes = [(1, 1), (3, 7), (5, 17), (2, 8), (9, 33), (64, 256)]
    static let activations: [FusedActivation] = [.relu, .tanh, .identity]

    /// Values in [-1, 1) with exact zeros sprinkled in (a ReLU output of exactly 0 must pass no gradient).
    static func values(_ count: Int, seed: UInt64) -> [Float] {
        var rng = SplitMix64(seed: seed)
        return (0..<count).map { index in index % 5 == 2 ? 0 : Float(rng.nextUnitDouble() * 2 - 1) }
    }

    @Test(arguments: shapes, activations)
    func biasActivationMatchesPortableAndReference(shape: (Int, Int), activation: FusedActivation) {
        let (rows, columns) = shape
        let input = Self.values(rows * columns, seed: UInt64(rows * 100 + columns))
        let bias = Self.values(columns, seed: 7)
        var fast = input, portable = input
        fast.withUnsafeMutableBufferPointer { y in
            enpire_bias_activation(rows, columns, y.baseAddress!, bias, activation.kernelCode)
        }
        portable.withUnsafeMutableBufferPointer { y in
            enpire_bias_activation_portable(rows, columns, y.baseAddress!, bias, activation.kernelCode)
        }
        #expect(fast == portable)
        for index in 0..<input.count {
            let z = Double(input[index]) + Double(bias[index % columns])
            let expected: Double = switch activation {
            case .relu: max(z, 0)
            case .tanh: Foundation.tanh(z)
            case .identity: z
            }
            #expect(abs(Double(fast[index]) - expected) <= 1e-6, "element \(index): \(fast[index]) vs \(expected)")
        }
    }

    @Test(arguments: shapes, activations)
    func activationBackwardMatchesPortableAndReference(shape: (Int, Int), activation: FusedActivation) {
        let (rows, columns) = shape
        var output = Self.values(rows * columns, seed: UInt64(rows * 31 + columns))
        if activation == .tanh { output = output.map { Foundation.tanh($0) } }
        let gradOutput = Self.values(rows * columns, seed: 99).map { $0 + 0.25 }
        let start = Self.values(columns, seed: 5)
        func run(_ kernel: (Int, Int, UnsafePointer<Float>, UnsafePointer<Float>, UnsafeMutablePointer<Float>?,
                            UnsafeMutablePointer<Float>?, Int32) -> Void) -> (gradInput: [Float], sums: [Float]) {
            var gradInput = [Float](repeating: .nan, count: rows * columns), sums = start
            gradInput.withUnsafeMutableBufferPointer { dx in
                sums.withUnsafeMutableBufferPointer { s in
                    kernel(rows, columns, output, gradOutput, activation == .identity ? nil : dx.baseAddress,
                           s.baseAddress, activation.kernelCode)
                }
            }
            return (gradInput, sums)
        }
        let fast = run { enpire_activation_backward($0, $1, $2, $3, $4, $5, $6) }
        let portable = run { enpire_activation_backward_portable($0, $1, $2, $3, $4, $5, $6) }
        #expect(fast.sums == portable.sums)
        var expectedSums = start.map(Double.init)
        for index in 0..<output.count {
            let dy = Double(gradOutput[index]), y = Double(output[index])
            let dx: Double = switch activation {
            case .relu: y > 0 ? dy : 0
            case .tanh: dy * (1 - y * y)
            case .identity: dy
            }
            expectedSums[index % columns] += dx
            if activation != .identity {
                #expect(fast.gradInput[index] == portable.gradInput[index])
                #expect(abs(Double(fast.gradInput[index]) - dx) <= 1e-6, "element \(index)")
            }
        }
        if activation == .identity {
            let untouched = fast.gradInput.allSatisfy { $0.isNaN }
            #expect(untouched, "identity wrote a gradient")
        }
        for column in 0..<columns {
            #expect(abs(Double(fast.sums[column]) - expectedSums[column]) <= 1e-5 * Double(rows) + 1e-6)
        }
    }

    @Test(arguments: [1, 7, 8, 9, 100, 1027])
    func adamUpdateMatchesPortableAndReference(count: Int) {
        let g = Self.values(count, seed: 1), w0 = Self.values(count, seed: 2)
        let m0 = Self.values(count, seed: 3).map { $0 * 0.1 }, v0 = Self.values(count, seed: 4).map { abs($0) * 0.01 }
        let (scale, l2, decay, beta1, beta2, step, correction, epsilon): (Float, Float, Float, Float, Float, Float,
                                                                          Float, Float) =
            (0.5, 0.01, 0.999, 0.9, 0.999, 1e-3, 1.2, 1e-8)
        func run(_ kernel: (Int, UnsafeMutablePointer<Float>, UnsafePointer<Float>, UnsafeMutablePointer<Float>,
                            UnsafeMutablePointer<Float>) -> Float) -> ([Float], [Float], [Float], Float) {
            var w = w0, m = m0, v = v0
            let squares = w.withUnsafeMutableBufferPointer { wp in
                m.withUnsafeMutableBufferPointer { mp in
                    v.withUnsafeMutableBufferPointer { vp in
                        kernel(count, wp.baseAddress!, g, mp.baseAddress!, vp.baseAddress!)
                    }
                }
            }
            return (w, m, v, squares)
        }
        let fast = run { enpire_adam_update($0, $1, $2, $3, $4, scale, l2, decay, beta1, beta2, step, correction, epsilon) }
        let portable = run {
            enpire_adam_update_portable($0, $1, $2, $3, $4, scale, l2, decay, beta1, beta2, step, correction, epsilon)
        }
        #expect(fast.0 == portable.0 && fast.1 == portable.1 && fast.2 == portable.2)
        var squares = 0.0
        for j in 0..<count {
            let raw = Double(g[j]), wj = Double(w0[j])
            squares += raw * raw
            let grad = raw * Double(scale) + Double(l2) * wj
            let m = Double(beta1) * Double(m0[j]) + (1 - Double(beta1)) * grad
            let v = Double(beta2) * Double(v0[j]) + (1 - Double(beta2)) * grad * grad
            let w = wj * Double(decay) - Double(step) * m / (v.squareRoot() * Double(correction) + Double(epsilon))
            #expect(abs(Double(fast.1[j]) - m) <= 1e-6 && abs(Double(fast.2[j]) - v) <= 1e-6)
            #expect(abs(Double(fast.0[j]) - w) <= 1e-5, "weight \(j): \(fast.0[j]) vs \(w)")
        }
        #expect(abs(Double(fast.3) - squares) <= 1e-5 * squares + 1e-6)
        #expect(abs(Double(portable.3) - squares) <= 1e-5 * squares + 1e-6)
    }

    @Test(arguments: [(5, 17), (8, 256), (7, 33)])
    func matrixVectorVariantsAgree(shape: (Int, Int)) {
        let (rows, columns) = shape
        let w = Self.values(rows * columns, seed: 11), x = Self.values(columns, seed: 12)
        var fast = [Float](repeating: 0.5, count: rows), portable = fast
        enpire_matvec_add(Int32(rows), Int32(columns), w, x, &fast)
        enpire_matvec_add_portable(Int32(rows), Int32(columns), w, x, &portable)
        for row in 0..<rows { #expect(abs(fast[row] - portable[row]) <= 1e-5 * Float(columns).squareRoot()) }
    }
}
