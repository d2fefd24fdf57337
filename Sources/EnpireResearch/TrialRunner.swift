public import Enpire
import Foundation

/// Running totals of episodes of one policy: the one place research and evaluation count successes and robot time
/// (resets included).
public struct TrialTally: Sendable, Codable, Equatable {
    /// Episodes run.
    public var episodes = 0
    /// Episodes the station's own reward called successes (what research counts).
    public var called = 0
    /// Summed control steps of the called successes.
    public var calledSteps = 0
    /// Episodes that succeeded by the ground truth (what held-out scores count).
    public var successes = 0
    /// Summed control steps of the ground-truth successes.
    public var successSteps = 0
    /// Episodes where the station's verdict agreed with the ground truth.
    public var agreements = 0
    /// Robot time, resets included, seconds.
    public var robotSeconds = 0.0
    /// Summed per-episode maximum task scores, over the episodes that report one.
    public var maximumScoreSum = 0.0
    /// Episodes that reported a maximum task score.
    public var scoredEpisodes = 0

    /// An empty tally.
    public init() {}

    /// Adds one episode.
    public mutating func add(_ outcome: EpisodeOutcome) {
        episodes += 1
        if outcome.called {
            called += 1
            calledSteps += outcome.steps
        }
        if outcome.success {
            successes += 1
            successSteps += outcome.steps
        }
        if outcome.called == outcome.success { agreements += 1 }
        robotSeconds += outcome.robotSeconds
        if let score = outcome.maximumScore {
            maximumScoreSum += score
            scoredEpisodes += 1
        }
    }

    /// Adds another tally.
    public mutating func add(_ other: TrialTally) {
        episodes += other.episodes
        called += other.called
        calledSteps += other.calledSteps
        successes += other.successes
        successSteps += other.successSteps
        agreements += other.agreements
        robotSeconds += other.robotSeconds
        maximumScoreSum += other.maximumScoreSum
        scoredEpisodes += other.scoredEpisodes
    }

    /// Mean steps of the called successes.
    public var meanCalledSteps: Double? { called > 0 ? Double(calledSteps) / Double(called) : nil }

    /// The trial result research records: the station's verdicts (a real station has nothing else).
    public func results() throws -> TrialResults {
        try TrialResults(successes: called, trials: episodes, meanStepsToSuccess: meanCalledSteps)
    }

    /// More called successes, or as many in fewer steps.
    public func isBetter(than other: TrialTally) -> Bool {
        if called != other.called { return called > other.called }
        return (meanCalledSteps ?? .infinity) < (other.meanCalledSteps ?? .infinity)
    }
}

/// Runs a policy on seeds through one station and tallies the episodes.
public enum TrialRunner {
    /// Runs `policy` once per seed on `station` (in order), tagging recordings with `split`; `progress` gets a
    /// `phase` event (`trial` unless told) with an ETA after each episode. An emergency stop of the station's live
    /// station ends the trial with `StationError.emergencyStopLatched` (its interrupted episode is not counted).
    /// `beforeEach` runs before every episode; what it throws ends the trial. `afterEach` sees every counted
    /// episode.
    public static func run(station: any ResearchStation, policy: any Policy, seeds: [UInt64], split: String,
                           phase: String = "trial", progress: (@Sendable (ProgressEvent) -> Void)? = nil,
                           beforeEach: () throws -> Void = {},
                           afterEach: (EpisodeOutcome) -> Void = { _ in }) async throws -> TrialTally {
        var tally = TrialTally()
        let start = Date()
        for (index, seed) in seeds.enumerated() {
            try beforeEach()
            let outcome = try await station.runCheckedEpisode(policy: policy, seed: seed, split: split)
            tally.add(outcome)
            afterEach(outcome)
            progress?(ProgressEvent(phase: phase, done: index + 1, total: seeds.count, since: start))
        }
        return tally
    }
}
