import Foundation

/// A multiplier on the base learning rate as a function of the step number.
public enum LearningRateSchedule: Sendable, Codable, Equatable {
    /// Always 1.
    case constant
    /// Linear ramp from 0 to 1 over `warmupSteps`, then 1.
    case linearWarmup(warmupSteps: Int)
    /// Cosine decay from 1 to `minimumFactor` over `totalSteps`.
    case cosine(totalSteps: Int, minimumFactor: Float)
    /// Linear warmup, then cosine decay to `minimumFactor` at `totalSteps`.
    case warmupCosine(warmupSteps: Int, totalSteps: Int, minimumFactor: Float)

    /// Multiplier for the update with index `step` (0 for the first update).
    public func factor(step: Int) -> Float {
        switch self {
        case .constant:
            return 1
        case .linearWarmup(let warmup):
            return warmup > 0 ? min(1, Float(step + 1) / Float(warmup)) : 1
        case .cosine(let total, let minimum):
            return Self.cosine(step: step, total: total, minimum: minimum)
        case .warmupCosine(let warmup, let total, let minimum):
            if step < warmup { return Float(step + 1) / Float(warmup) }
            return Self.cosine(step: step - warmup, total: max(total - warmup, 1), minimum: minimum)
        }
    }

    private static func cosine(step: Int, total: Int, minimum: Float) -> Float {
        let progress = min(Float(step) / Float(max(total, 1)), 1)
        return minimum + (1 - minimum) * 0.5 * (1 + cosf(.pi * progress))
    }
}
