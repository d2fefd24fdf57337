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
    public func step() {
        let lr = currentLearningRate
        stepCount += 1
        lastGradientNorm = GradientClipping.globalNorm(parameters)
        var gradientScale: Float = 1
        if let maxGradientNorm, lastGradientNorm > maxGradientNorm {
            gradientScale = maxGradientNorm / (lastGradientNorm + 1e-6)
        }
        let t = Float(stepCount)
        let correction1 = 1 - powf(beta1, t)
        let correction2 = 1 - powf(beta2, t)
        let stepSize = lr / correction1
        let inverseSqrtCorrection2 = 1 / correction2.squareRoot()
        let b1 = beta1, b2 = beta2, eps = epsilon
        let l2 = decoupledWeightDecay ? 0 : weightDecay
        let decay = decoupledWeightDecay ? 1 - lr * weightDecay : 1
        for (index, parameter) in parameters.enumerated() {
            let w = parameter.storage.pointer, g = parameter.gradientStorage.pointer
            let m = firstMoments[index].pointer, v = secondMoments[index].pointer
            for j in 0..<parameter.count {
                let grad = g[j] * gradientScale + l2 * w[j]
                let mj = b1 * m[j] + (1 - b1) * grad
                let vj = b2 * v[j] + (1 - b2) * grad * grad
                m[j] = mj
                v[j] = vj
                w[j] = w[j] * decay - stepSize * mj / (vj.squareRoot() * inverseSqrtCorrection2 + eps)
            }
        }
    }
}
