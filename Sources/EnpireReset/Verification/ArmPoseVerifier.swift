public import Enpire

/// Verifies from proprioception alone that every arm is at its target pose: enough for an arm-only reset,
/// not for objects (pair it with a camera or ground-truth verifier when objects matter).
public struct ArmPoseVerifier: ResetVerifier {
    /// Target per arm, in station order.
    public let targets: [[Double]]
    /// Largest allowed error on any axis (command-space units).
    public let tolerance: Double

    /// Creates a verifier.
    public init(targets: [[Double]], tolerance: Double) {
        self.targets = targets
        self.tolerance = tolerance
    }

    /// `"arm-pose"`.
    public var identity: String { "arm-pose(\(tolerance))" }

    /// Passes when every arm's position is within ``tolerance`` of its target on every axis.
    public func verify(_ context: ResetContext) async throws -> ResetVerification {
        guard context.arms.count == targets.count else {
            return .fail("expected \(targets.count) arms, the station has \(context.arms.count)")
        }
        var worst = 0.0
        for (index, arm) in context.arms.enumerated() {
            let position = try await arm.observe().position
            guard position.count == targets[index].count else {
                return .fail("arm \(index) reports \(position.count) axes, the target has \(targets[index].count)")
            }
            let error = zip(position, targets[index]).map { abs($0 - $1) }.max() ?? 0
            worst = max(worst, error)
            if error > tolerance {
                return .fail("arm \(index) (\(arm.specification.name)) is \(error) from its reset pose, "
                             + "tolerance \(tolerance)", errors: ["arm_error": error])
            }
        }
        return .pass(errors: ["arm_error": worst])
    }
}
