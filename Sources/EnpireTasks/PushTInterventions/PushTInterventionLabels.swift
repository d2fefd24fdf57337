public import Enpire
public import EnpireSim
import Foundation

/// Turns the steps a person drove on a Push-T station into training decisions for the primitive selector (HG-DAgger
/// style: only the person's steps are labelled; the policy's own steps are not relabelled).
///
/// A person's commands are pusher targets, not primitive indices. At the first step of each run of `human` steps the
/// labeller rebuilds every primitive of the policy's library from what the policy observed on that step (its
/// scripted executor, geometry only: `PushTPushPlanner.candidateTargets(_:state:)`) and keeps the one whose targets
/// follow the person's recorded targets most closely (mean distance over the shorter of the two, at most
/// ``tolerance`` pixels). The decision is that step's input features with the chosen primitive as a one-hot target;
/// the next decision is where the matched primitive ended, while the person still holds. Steps no primitive
/// explains are skipped (counted in ``Result/unmatchedSteps``).
///
/// The observation read is the `"pusht.state"` feature, as a state-mode policy reads it (privileged); a camera-mode
/// study would measure the block in the step's recorded frame instead.
public struct PushTInterventionLabels: Sendable {
    /// The policy's primitive library.
    public var library: PushTPlannerParameters
    /// Largest mean distance, in pixels, between a primitive's targets and the person's for a match.
    public var tolerance: Double

    /// What the labeller found in a batch of episodes.
    public struct Result: Sendable {
        /// Decisions labelled from the person's steps.
        public var decisions: [PushTPrimitiveRollouts.Decision]
        /// Human steps read.
        public var humanSteps: Int
        /// Human steps covered by a matched primitive.
        public var matchedSteps: Int
        /// Human steps no primitive explained (skipped).
        public var unmatchedSteps: Int
    }

    /// Creates a labeller.
    public init(library: PushTPlannerParameters = PushTPlannerParameters(), tolerance: Double = 3) {
        self.library = library
        self.tolerance = tolerance
    }

    /// Labels every run of `human` steps in `episodes`.
    public func label(_ episodes: [RecordedEpisode]) throws -> Result {
        let executor = PushTPushPlanner(parameters: library)
        var result = Result(decisions: [], humanSteps: 0, matchedSteps: 0, unmatchedSteps: 0)
        for episode in episodes {
            let steps = episode.steps
            var index = 0
            while index < steps.count {
                guard steps[index].source == .human else {
                    index += 1
                    continue
                }
                var end = index
                while end < steps.count, steps[end].source == .human { end += 1 }
                result.humanSteps += end - index
                let person = try steps[index..<end].map { step -> SIMD2<Double> in
                    guard let target = step.requested.first?.target, target.count == 2 else {
                        throw PushTLearningError.invalidSetting(
                            "human step \(step.index) of episode \(episode.summary.metadata.id) has no 2-number pusher target")
                    }
                    return SIMD2(target[0], target[1])
                }
                var k = index
                while k < end {
                    guard let (choice, length, features) = try match(steps[k], person: Array(person[(k - index)...]),
                                                                     executor: executor) else {
                        result.unmatchedSteps += 1
                        k += 1
                        continue
                    }
                    var target = [Float](repeating: 0, count: executor.candidateCount)
                    target[choice] = 1
                    result.decisions.append(.init(features: features, target: target, best: choice))
                    result.matchedSteps += length
                    k += length
                }
                index = end
            }
        }
        return result
    }

    /// The primitive that best explains `person` (the person's targets from `step` on), its matched length and the
    /// step's input features.
    private func match(_ step: StepRecord, person: [SIMD2<Double>], executor: PushTPushPlanner) throws
        -> (Int, Int, [Float])? {
        guard let vector = step.features[PushTFeatures.state], vector.count == 5 else {
            throw PushTExpertError.missingState(Array(step.features.keys).sorted())
        }
        guard let arm = step.arms.first, arm.position.count >= 2 else {
            throw PushTObservationError.missing("the pusher's state (2 position values) on step \(step.index)")
        }
        let block = PushTObservedBlock(x: vector[2], y: vector[3], angle: vector[4])
        let agent = SIMD2(arm.position[0], arm.position[1])
        let velocity = arm.velocity.count >= 2 ? SIMD2(arm.velocity[0], arm.velocity[1]) : .zero
        var best: (choice: Int, length: Int, distance: Double)?
        for choice in 0..<executor.candidateCount {
            let targets = executor.candidateTargets(choice, state: block.scene(agent: agent))
            let length = min(targets.count, person.count)
            guard length > 0 else { continue }
            var total = 0.0
            for i in 0..<length { total += simd_distance(targets[i], person[i]) }
            let distance = total / Double(length)
            // Closer wins; on a tie the longer match (it explains more of what the person did).
            if best == nil || distance < best!.distance - 1e-9
                || (abs(distance - best!.distance) <= 1e-9 && length > best!.length) {
                best = (choice, length, distance)
            }
        }
        guard let best, best.distance <= tolerance else { return nil }
        return (best.choice, best.length, PushTPrimitiveFeatures.vector(block: block, agent: agent, velocity: velocity))
    }
}

private func simd_distance(_ a: SIMD2<Double>, _ b: SIMD2<Double>) -> Double {
    let d = a - b
    return (d * d).sum().squareRoot()
}
