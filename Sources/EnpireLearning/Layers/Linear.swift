public import Enpire
import Foundation
/// Fully connected layer `y = x · Wᵀ + b` with `W` stored `[out, in]` as in PyTorch.
public final class Linear: Layer {
    /// `"linear"`.
    public let kind = "linear"
    /// Input width.
    public let inputFeatures: Int
    /// Output width.
    public let outputFeatures: Int
    /// Weight `[outputFeatures, inputFeatures]`.
    public let weight: Parameter
    /// Bias `[outputFeatures]`.
    public let bias: Parameter
    /// Per-chunk column sums for the bias gradient (``FusedKernels/maxChunks`` × `outputFeatures`).
    let biasScratch: FloatBuffer

    /// Creates a layer with PyTorch's default initialisation (uniform in ±1/√in for weight and bias).
    public init(inputFeatures: Int, outputFeatures: Int, rng: inout SplitMix64) {
        self.inputFeatures = inputFeatures
        self.outputFeatures = outputFeatures
        let bound = 1 / Float(max(inputFeatures, 1)).squareRoot()
        weight = Parameter(name: "weight",
                           value: .randomUniform([outputFeatures, inputFeatures], in: -bound...bound, using: &rng))
        bias = Parameter(name: "bias", value: .randomUniform([outputFeatures], in: -bound...bound, using: &rng))
        biasScratch = FloatBuffer(count: FusedKernels.maxChunks * max(outputFeatures, 1))
    }

    /// Weight and bias.
    public var parameters: [Parameter] { [weight, bias] }

    /// Forward through `sgemm` (or a single-threaded SIMD matrix-vector
    /// product for one example, the latency-critical inference case).
    public func forward(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, batchSize: Int,
                        training: Bool) {
        let w = UnsafePointer(weight.storage.pointer)
        let b = bias.storage.pointer
        if batchSize == 1 {
            output.update(from: b, count: outputFeatures)
            MatrixVector.multiplyAdd(rows: outputFeatures, columns: inputFeatures, weights: w, vector: input,
                                     into: output)
            return
        }
        for row in 0..<batchSize {
            (output + row * outputFeatures).update(from: b, count: outputFeatures)
        }
        BLAS.gemm(transposeA: false, transposeB: true, m: batchSize, n: outputFeatures, k: inputFeatures,
                  alpha: 1, a: input, lda: inputFeatures, b: w, ldb: inputFeatures, beta: 1, c: output,
                  ldc: outputFeatures)
    }

    /// `y = activation(x · Wᵀ + b)` in one product and one element-wise pass (used by ``Sequential`` for a
    /// `Linear` directly followed by `ReLU` or `Tanh`; the pre-activation is not kept).
    func forwardFused(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, batchSize: Int,
                      activation: FusedActivation) {
        let w = UnsafePointer(weight.storage.pointer)
        let b = UnsafePointer(bias.storage.pointer)
        if batchSize == 1 {
            output.update(from: b, count: outputFeatures)
            MatrixVector.multiplyAdd(rows: outputFeatures, columns: inputFeatures, weights: w, vector: input,
                                     into: output)
            switch activation {
            case .relu: for index in 0..<outputFeatures { output[index] = max(output[index], 0) }
            case .tanh: for index in 0..<outputFeatures { output[index] = tanhf(output[index]) }
            case .identity: break
            }
            return
        }
        BLAS.gemm(transposeA: false, transposeB: true, m: batchSize, n: outputFeatures, k: inputFeatures,
                  alpha: 1, a: input, lda: inputFeatures, b: w, ldb: inputFeatures, beta: 0, c: output,
                  ldc: outputFeatures)
        FusedKernels.biasActivation(output, bias: b, rows: batchSize, columns: outputFeatures,
                                    activation: activation)
    }

    /// `dW = dYᵀ · X` (accumulated through sgemm's `beta` in `.accumulate` mode), `db = Σ dY`, `dX = dY · W`.
    public func backward(input: UnsafePointer<Float>, output: UnsafePointer<Float>,
                         gradOutput: UnsafePointer<Float>, gradInput: UnsafeMutablePointer<Float>?,
                         batchSize: Int, mode: ParameterGradientMode) {
        backward(input: input, gradOutput: gradOutput, gradInput: gradInput, batchSize: batchSize, mode: mode,
                 biasGradientDone: false)
    }

    /// Backward; `biasGradientDone` skips the bias reduction when a fused activation pass already did it.
    func backward(input: UnsafePointer<Float>, gradOutput: UnsafePointer<Float>,
                  gradInput: UnsafeMutablePointer<Float>?, batchSize: Int, mode: ParameterGradientMode,
                  biasGradientDone: Bool) {
        if mode != .skip {
            let beta: Float = mode == .accumulate ? 1 : 0
            BLAS.gemm(transposeA: true, transposeB: false, m: outputFeatures, n: inputFeatures, k: batchSize,
                      alpha: 1, a: gradOutput, lda: outputFeatures, b: input, ldb: inputFeatures, beta: beta,
                      c: weight.gradientStorage.pointer, ldc: inputFeatures)
            if !biasGradientDone {
                FusedKernels.activationBackward(output: gradOutput, gradOutput: gradOutput, gradInput: nil,
                                                biasGradient: bias.gradientStorage.pointer,
                                                accumulate: mode == .accumulate, partials: biasScratch.pointer,
                                                rows: batchSize, columns: outputFeatures, activation: .identity)
            }
        }
        if let gradInput {
            BLAS.gemm(transposeA: false, transposeB: false, m: batchSize, n: inputFeatures, k: outputFeatures,
                      alpha: 1, a: gradOutput, lda: outputFeatures, b: weight.storage.pointer, ldb: inputFeatures,
                      beta: 0, c: gradInput, ldc: inputFeatures)
        }
    }
}
