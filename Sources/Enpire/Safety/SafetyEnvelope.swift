/// Filters every command an arm receives: invalid values become a hold, large jumps are shortened, motion
/// toward the boundary is attenuated inside a band, targets outside the workspace are clamped onto it, and a
/// latched emergency stop turns everything into a hold until it is cleared explicitly.
///
/// The guarantee, checked by property tests: whatever the request (NaN, infinities, huge values, wrong
/// length) and whatever the reported position, the applied command is a hold or a position target that
/// - lies within ``maxStep`` of the current position (when a step limit is set), and
/// - lies inside ``workspace`` whenever the current position does; when the arm is already outside (pushed
///   out, or the workspace was narrowed), the target is a step of at most ``maxStep`` that brings the arm
///   strictly closer to the workspace, so it walks back in instead of jumping.
///
/// With a step limit, an unknown current position (missing, NaN, wrong length) gives a hold: the envelope
/// cannot bound a step from a position it does not know.
///
/// Stations apply envelopes through a ``SafetyGate``, the only path from any command source to an arm.
public struct SafetyEnvelope: Sendable, Equatable {
    /// Region the targets must stay in (already intersected with the arm's own limits).
    public let workspace: Workspace
    /// Largest distance (Euclidean, command units) a target may lie from the arm's current position, or `nil`.
    public var maxStep: Double?
    /// Width of the band inside the boundary where outward motion is attenuated (0 disables attenuation).
    public var boundaryBand: Double
    /// Whether the emergency stop is latched.
    public private(set) var emergencyStopLatched = false

    /// Creates an envelope from an arm's specification, optionally narrowed by a workspace.
    public init(specification: ArmSpecification, workspace: Workspace? = nil, maxStep: Double? = nil,
                boundaryBand: Double = 0) throws {
        let limits = try Workspace.box(lower: specification.lowerLimits, upper: specification.upperLimits)
        self.workspace = try workspace.map { try $0.intersected(with: limits) } ?? limits
        guard maxStep.map({ $0.isFinite && $0 > 0 }) ?? true else {
            throw SafetyConfigurationError("maxStep must be a positive finite number, got \(maxStep!)")
        }
        guard boundaryBand.isFinite, boundaryBand >= 0 else {
            throw SafetyConfigurationError("boundaryBand must be a finite number >= 0, got \(boundaryBand)")
        }
        self.maxStep = maxStep
        self.boundaryBand = boundaryBand
    }

    /// Latches the emergency stop: every later command becomes a hold.
    public mutating func latchEmergencyStop() {
        emergencyStopLatched = true
    }

    /// Clears a latched emergency stop (an explicit operator action).
    public mutating func clearEmergencyStop() {
        emergencyStopLatched = false
    }

    /// Filters one command for arm `armIndex`, given the arm's current position when known.
    public func filter(_ requested: ArmCommand, currentPosition: [Double]?, armIndex: Int = 0)
        -> (applied: ArmCommand, interventions: [SafetyIntervention]) {
        var interventions: [SafetyIntervention] = []
        func note(_ kind: SafetyIntervention.Kind, _ applied: ArmCommand, _ detail: String) {
            interventions.append(SafetyIntervention(armIndex: armIndex, kind: kind, requested: requested,
                                                    applied: applied, detail: detail))
        }
        if emergencyStopLatched {
            note(.emergencyStop, .hold, "emergency stop latched; clear it explicitly to move again")
            return (.hold, interventions)
        }
        if requested.mode == .hold { return (.hold, []) }
        guard requested.target.count == workspace.dimension else {
            note(.invalidCommand, .hold, "target has \(requested.target.count) axes, the arm has \(workspace.dimension)")
            return (.hold, interventions)
        }
        guard requested.target.allSatisfy(\.isFinite), requested.gripper.map(\.isFinite) ?? true else {
            note(.invalidCommand, .hold, "non-finite value in target \(requested.target) / gripper \(String(describing: requested.gripper))")
            return (.hold, interventions)
        }
        let current = currentPosition.flatMap { position in
            position.count == workspace.dimension && position.allSatisfy(\.isFinite) ? position : nil
        }
        if let maxStep, current == nil {
            note(.positionUnknown, .hold, "current position \(currentPosition.map { "\($0)" } ?? "unknown") is not a "
                 + "finite \(workspace.dimension)-axis position; with a step limit of \(maxStep) the arm holds")
            return (.hold, interventions)
        }
        var target = requested.target
        var changed = false

        // A move longer than the step limit, cut to the limit along the same direction (nil when within it).
        func limited(_ target: [Double]) -> (target: [Double], length: Double)? {
            guard let maxStep, let current else { return nil }
            let delta = zip(target, current).map(-)
            let length = dot(delta, delta).squareRoot()
            guard length > maxStep else { return nil }
            return (zip(current, delta).map { $0 + $1 * (maxStep / length) }, length)
        }

        if let (shortened, length) = limited(target) {
            target = shortened
            changed = true
            note(.stepLimited, .moveTo(target), "move of \(length) shortened to \(maxStep ?? 0)")
        }

        if boundaryBand > 0, let current, workspace.contains(target) {
            let (distance, normal) = workspace.boundaryDistance(target)
            let delta = zip(target, current).map(-)
            let outward = dot(delta, normal)
            if distance < boundaryBand, outward > 0 {
                // Elastic attenuation: the outward part of the move shrinks linearly to zero at the boundary.
                let keep = max(0, distance / boundaryBand)
                let moved = zip(delta, normal).map { $0 - (1 - keep) * outward * $1 }
                target = zip(current, moved).map(+)
                changed = true
                note(.attenuatedNearBoundary, .moveTo(target), "outward motion scaled by \(keep) within \(distance) of the boundary")
            }
        }

        if !workspace.contains(target) {
            let clamped = workspace.project(target)
            note(.clampedToWorkspace, .moveTo(clamped), "target \(target) outside the workspace, clamped to \(clamped)")
            target = clamped
            changed = true
        }

        // Last: no target further than the step limit. From inside the workspace the target above already is
        // (projection onto a convex region never lengthens a step), except when a projection fell back to the
        // interior point; from outside, this walks the arm back in along the segment toward the clamped target,
        // which gets strictly closer to the (convex) workspace with every step.
        if let (shortened, length) = limited(target), let current {
            target = shortened
            changed = true
            note(.stepLimited, .moveTo(target), workspace.contains(current)
                 ? "move of \(length) after clamping shortened to \(maxStep ?? 0)"
                 : "arm at \(current) is outside the workspace: walking back in by \(maxStep ?? 0) per command")
        }
        let gripper = requested.gripper.map { min(max($0, 0), 1) }
        let applied = ArmCommand(mode: .position, target: target, gripper: gripper)
        if changed, !interventions.isEmpty {
            // Every record carries the command that was finally applied.
            for i in interventions.indices { interventions[i].applied = applied }
        }
        return (applied, interventions)
    }
}
