public import Enpire

/// Iterative behaviour cloning (DAgger / HG-DAgger style) over aggregated episodes.
///
/// Steps are treated by their `ActionSource`: `human` and `script` steps are interventions or
/// demonstrations and are kept with their own commands, repeated `interventionWeight` times so that the
/// learner trains on them preferentially; `policy` steps are relabelled with the expert closure's commands for
/// the recorded state (DAgger) or dropped when the expert has no label (nil); `reset` and `safety` steps are
/// dropped. The relabelled set is handed to a ``BCTrainer``. Call ``train(on:)`` after every round with all
/// episodes gathered so far (the aggregate).
public struct DAggerTrainer: Trainer {
    /// The behaviour-cloning trainer fitting the aggregate.
    public var behaviourCloning: BCTrainer
    /// Times each intervention/demonstration step is repeated (≥ 1).
    public var interventionWeight: Int
    /// Expert label for a recorded step (one command per arm), or nil when it has none.
    public var expert: (@Sendable (StepRecord) -> [ArmCommand]?)?

    /// Creates a trainer.
    public init(behaviourCloning: BCTrainer, interventionWeight: Int = 1,
                expert: (@Sendable (StepRecord) -> [ArmCommand]?)? = nil) {
        self.behaviourCloning = behaviourCloning
        self.interventionWeight = interventionWeight
        self.expert = expert
    }

    /// The episodes as the BC trainer sees them: relabelled, weighted, filtered.
    public func relabel(_ episodes: [RecordedEpisode]) throws(RLError) -> [RecordedEpisode] {
        guard interventionWeight >= 1 else {
            throw .invalidConfiguration("interventionWeight \(interventionWeight) must be ≥ 1")
        }
        return episodes.map { episode in
            var steps: [StepRecord] = []
            for step in episode.steps {
                switch step.source {
                case .human, .script:
                    for _ in 0..<interventionWeight { steps.append(step) }
                case .policy:
                    guard let label = expert?(step) else { continue }
                    var relabelled = step
                    relabelled.requested = label
                    relabelled.applied = label
                    relabelled.source = .script
                    steps.append(relabelled)
                case .reset, .safety:
                    continue
                }
            }
            var copy = episode
            copy.steps = steps
            return copy
        }
    }

    /// Relabels the aggregate and trains BC on it; metrics add `relabelled_steps` and `intervention_steps`.
    public func train(on episodes: [RecordedEpisode]) async throws -> TrainingOutcome {
        let relabelled = try relabel(episodes)
        var outcome = try await behaviourCloning.train(on: relabelled)
        let all = episodes.flatMap(\.steps)
        outcome.metrics["relabelled_steps"] = Double(expert == nil ? 0 : all.filter { $0.source == .policy }.count)
        outcome.metrics["intervention_steps"] = Double(all.filter { $0.source == .human || $0.source == .script }.count)
        return outcome
    }
}
