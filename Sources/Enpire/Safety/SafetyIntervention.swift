/// A record of the safety layer changing or replacing a command.
public struct SafetyIntervention: Sendable, Codable, Equatable {
    /// What the safety layer did.
    public enum Kind: String, Sendable, Codable, Hashable, CaseIterable {
        /// The command had NaN or infinite values, or the wrong number of axes: replaced by a hold.
        case invalidCommand
        /// The target was pulled back because it moved further than the per-step limit.
        case stepLimited
        /// The target was slowed inside the boundary band (elastic attenuation).
        case attenuatedNearBoundary
        /// The target lay outside the workspace and was clamped onto it.
        case clampedToWorkspace
        /// No command arrived within the watchdog timeout: the arm was told to hold.
        case watchdogHold
        /// The emergency stop is latched: every command becomes a hold until the latch is cleared.
        case emergencyStop
        /// The arm's current position was unknown or not finite while a step limit is set: replaced by a hold,
        /// since no step can be bounded from an unknown position.
        case positionUnknown
    }

    /// Index of the arm in the station's arm order.
    public var armIndex: Int
    /// What happened.
    public var kind: Kind
    /// The command as requested.
    public var requested: ArmCommand
    /// The command that was passed on to the arm.
    public var applied: ArmCommand
    /// Human-readable explanation with the offending values.
    public var detail: String

    /// Creates an intervention record.
    public init(armIndex: Int, kind: Kind, requested: ArmCommand, applied: ArmCommand, detail: String) {
        self.armIndex = armIndex
        self.kind = kind
        self.requested = requested
        self.applied = applied
        self.detail = detail
    }
}
