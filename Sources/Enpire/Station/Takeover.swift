/// Commands that `Station.send(_:source:)` applied during one control period of a running episode, waiting to
/// be recorded in that period's step (see Docs/Station.md, "Interventions").
struct Takeover: Sendable {
    /// Who sent them.
    var source: ActionSource
    /// The last commands sent in the period.
    var requested: [ArmCommand]
    /// What the arms applied of them.
    var applied: [ArmCommand]
    /// Safety interventions of every send in the period.
    var interventions: [SafetyIntervention]

    /// Rewrites `step`, whose `requested` holds the policy's request, as driven by these commands: the policy's
    /// request moves to ``StepRecord/policyRequested``; interventions of the policy's own command, if it was
    /// sent, are kept before these.
    func record(in step: inout StepRecord) {
        step.policyRequested = step.requested
        step.source = source
        step.requested = requested
        step.applied = applied
        step.interventions += interventions
    }
}
