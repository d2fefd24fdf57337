import CKernels
import Foundation

/// Adam, and AdamW when `decoupledWeightDecay` is set (Loshchilov & Hutter: decay applied to the weights,
/// not folded into the gradient).
///
/// Moment buffers are allocated once per parameter at construction; a step is one fused pass over each
/// parameter's value, gradient and moments, so it allocates nothing.
public final class Adam {
    /// Parameters updated by ``step()``.
    public let parameters: [Parameter]
    /// Base learning rate; a schedule multiplies it.
    public var learningRate: Float
    /// First-moment decay.
    public var beta1: Float
    /// Second-moment decay.
    public var beta2: Float
    /// Added to the root of the second moment.
    public var epsilon: Float
    /// Weight decay: L2 added to the gradient (Adam) or decoupled (AdamW).
    public var weightDecay: Float
    /// Use AdamW's decoupled weight decay.
    public var decoupledWeightDecay: Bool
    /// Learning-rate schedule evaluated at each step.
    public var schedule: LearningRateSchedule
    /// Clip gradients to this global L2 norm before the update (nil disables).
    public var maxGradientNorm: Float?
    /// Steps taken so far.
    public private(set) var stepCount = 0
    /// Global gradient norm measured at the last step (before clipping).
    public private(set) var lastGradientNorm: Float = 0
    private let firstMoments: [FloatBuffer]
    private let secondMoments: [FloatBuffer]
    /// Per-chunk sums of squared gradients when a parameter's update is split across cores.
    private let squareSums = FloatBuffer(count: FusedKernels.maxChunks)

    /// Creates Adam (PyTorch defaults).
    public init(parameters: [Parameter], learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999,
                epsilon: Float = 1e-8, weightDecay: Float = 0, decoupledWeightDecay: Bool = false,
                schedule: LearningRateSchedule = .constant, maxGradientNorm: Float? = nil) {
        self.parameters = parameters
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.decoupledWeightDecay = decoupledWeightDecay
        self.schedule = schedule
        self.maxGradientNorm = maxGradientNorm
        firstMoments = parameters.map { FloatBuffer(count: $0.count) }
        secondMoments = parameters.map { FloatBuffer(count: $0.count) }
    }

    /// AdamW with PyTorch's default decay of 0.01.
    public static func adamW(parameters: [Parameter], learningRate: Float = 1e-3, weightDecay: Float = 0.01,
                             schedule: LearningRateSchedule = .constant, maxGradientNorm: Float? = nil) -> Adam {
        Adam(parameters: parameters, learningRate: learningRate, weightDecay: weightDecay,
             decoupledWeightDecay: true, schedule: schedule, maxGradientNorm: maxGradientNorm)
    }

    /// Learning rate the next step will use.
    public var currentLearningRate: Float { learningRate * schedule.factor(step: stepCount) }

    /// Applies one update from the parameters' current gradients.
    ///
    /// One pass per parameter reads gradient, value and both moments once (eight lanes at a time) and, when no
    /// clipping is configured, also accumulates the gradient norm; large parameters are split across cores.
    public func step() {
        let lr = currentLearningRate
        stepCount += 1
        var gradientScale: Float = 1
        if let maxGradientNorm {
            lastGradientNorm = GradientClipping.globalNorm(parameters)
            if lastGradientNorm > maxGradientNorm { gradientScale = maxGradientNorm / (lastGradientNorm + 1e-6) }
        }
        let t = Float(stepCount)
        let correction1 = 1 - powf(beta1, t)
        let correction2 = 1 - powf(beta2, t)
        let constants = AdamConstants(
            gradientScale: gradientScale, l2: decoupledWeightDecay ? 0 : weightDecay,
            decay: decoupledWeightDecay ? 1 - lr * weightDecay : 1, beta1: beta1, beta2: beta2,
            stepSize: lr / correction1, inverseSqrtCorrection2: 1 / correction2.squareRoot(), epsilon: epsilon)
        var squares: Double = 0
        let sums = squareSums.pointer
        for (index, parameter) in parameters.enumerated() {
            let w = parameter.storage.pointer, g = UnsafePointer(parameter.gradientStorage.pointer)
            let m = firstMoments[index].pointer, v = secondMoments[index].pointer
            var kernel = AdamKernel(w: w, g: g, m: m, v: v, sums: sums, count: parameter.count, constants: constants,
                                    chunks: FusedKernels.chunks(count: parameter.count, costPerItem: 2))
            ComputePool.run(&kernel)
            for chunk in 0..<kernel.chunks { squares += Double(sums[chunk]) }
        }
        if maxGradientNorm == nil { lastGradientNorm = Float(squares.squareRoot()) }
    }

    /// Scalars of one Adam step shared by every element.
    private struct AdamConstants {
        let gradientScale, l2, decay, beta1, beta2, stepSize, inverseSqrtCorrection2, epsilon: Float
    }

    /// One parameter's update split into contiguous chunks for the ``ComputePool``: the C kernel
    /// `enpire_adam_update` (AVX2 where the CPU has it) per chunk, each chunk's sum of squared raw gradients in its
    /// slot of `sums`.
    private struct AdamKernel: PoolKernel {
        let w: UnsafeMutablePointer<Float>, g: UnsafePointer<Float>
        let m: UnsafeMutablePointer<Float>, v: UnsafeMutablePointer<Float>, sums: UnsafeMutablePointer<Float>
        let count: Int, constants: AdamConstants, chunks: Int

        func run(chunk: Int) {
            let (start, end) = ComputePool.bounds(count, chunk: chunk, of: chunks)
            let c = constants
            sums[chunk] = enpire_adam_update(end - start, w + start, g + start, m + start, v + start, c.gradientScale,
                                             c.l2, c.decay, c.beta1, c.beta2, c.stepSize, c.inverseSqrtCorrection2,
                                             c.epsilon)
        }

        static var entry: @convention(c) (UnsafeMutableRawPointer?, Int32) -> Void {
            { context, chunk in context!.assumingMemoryBound(to: Self.self).pointee.run(chunk: Int(chunk)) }
        }
    }
}
