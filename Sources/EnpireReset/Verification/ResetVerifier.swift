public import Enpire

/// Checks whether the scene is in the start state a reset was asked for: from cameras with a reward-style
/// detector on hardware, or from ground truth in simulation.
public protocol ResetVerifier: Sendable {
    /// Stable identifier, part of a reset routine's identity.
    var identity: String { get }
    /// Inspects the scene for the start state drawn from `context.seed`.
    func verify(_ context: ResetContext) async throws -> ResetVerification
}

/// The answer of a ``ResetVerifier``.
public struct ResetVerification: Sendable, Codable, Equatable {
    /// Whether the scene matches the requested start state within the verifier's tolerance.
    public var passed: Bool
    /// What is wrong when it does not pass (for example `"block 14.2 px from the start pose, tolerance 10 px"`).
    public var reason: String?
    /// Measured errors by name (for example `"position_px"`, `"angle_rad"`), for reports.
    public var errors: [String: Double]

    /// Creates a verification.
    public init(passed: Bool, reason: String? = nil, errors: [String: Double] = [:]) {
        self.passed = passed
        self.reason = reason
        self.errors = errors
    }

    /// A passing verification.
    public static func pass(errors: [String: Double] = [:]) -> ResetVerification {
        ResetVerification(passed: true, errors: errors)
    }

    /// A failing verification with a reason.
    public static func fail(_ reason: String, errors: [String: Double] = [:]) -> ResetVerification {
        ResetVerification(passed: false, reason: reason, errors: errors)
    }
}
