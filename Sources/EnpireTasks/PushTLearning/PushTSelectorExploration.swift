import Enpire
import Foundation
import Synchronization

/// One decision a Push-T selector took while exploring: what it read, which primitive it sampled, and on which
/// control step of the episode.
public struct PushTSelectorDecision: Sendable, Equatable {
    /// The selector's input (``PushTPrimitiveFeatures``), built from the camera's block estimate and the arm state.
    public var features: [Float]
    /// The primitive sampled.
    public var choice: Int
    /// Index of the control step the decision was taken on (the station's `StepRecord.index`).
    public var step: Int
}

/// Makes a ``PushTPrimitivePolicy`` explore: at each decision it samples a primitive from the softmax of the
/// selector's scores instead of taking the best one, and logs what it read and chose (the data a policy-gradient
/// learner needs). Shared by reference, so a station's copy of the policy logs into the same place.
public final class PushTSelectorExploration: Sendable {
    private struct State {
        var rng: SplitMix64
        var decisions: [PushTSelectorDecision] = []
    }

    private let state: Mutex<State>

    /// Creates an exploration source whose samples are reproducible from `seed`.
    public init(seed: UInt64) { state = Mutex(State(rng: SplitMix64(seed: seed))) }

    /// Samples a primitive from softmax(`logits`) and logs the decision.
    func choose(logits: [Float], features: [Float], step: Int) -> Int {
        let probabilities = Self.softmax(logits)
        return state.withLock { state in
            let u = Float(state.rng.nextUnitDouble())
            var cumulative: Float = 0
            var choice = probabilities.count - 1
            for (index, p) in probabilities.enumerated() {
                cumulative += p
                if u < cumulative { choice = index; break }
            }
            state.decisions.append(PushTSelectorDecision(features: features, choice: choice, step: step))
            return choice
        }
    }

    /// Returns the decisions logged since the last call and forgets them.
    public func takeDecisions() -> [PushTSelectorDecision] {
        state.withLock { state in
            defer { state.decisions.removeAll() }
            return state.decisions
        }
    }

    /// Softmax of `logits` (max-shifted; an empty input gives an empty output).
    static func softmax(_ logits: [Float]) -> [Float] {
        guard let top = logits.max() else { return [] }
        let exps = logits.map { Foundation.exp($0 - top) }
        let total = exps.reduce(0, +)
        return exps.map { $0 / total }
    }
}
