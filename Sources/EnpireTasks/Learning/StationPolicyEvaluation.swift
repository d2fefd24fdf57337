import Enpire
import EnpireLearning
public import Foundation

/// A checkpoint scored on a simulated station (`enpire policy eval --on-station`): every episode runs through
/// the station's reset, safety envelope, camera reward and clock; success is the simulator's ground truth read
/// after the episode, next to the station's own verdict.
public struct StationPolicyEvaluation: Sendable, Codable {
    /// Ground-truth scoring, robot time from the station's clock (episodes and resets).
    public var evaluation: PolicyEvaluation
    /// Episodes the station's reward judged a success.
    public var stationSuccesses: Int
    /// Episodes where the station's verdict and the ground truth agree.
    public var agreement: Int
    /// Of the robot time, the resets'.
    public var resetSeconds: Double
    /// Safety interventions on the policy's steps.
    public var interventions: Int
}

extension ImitationTask {
    /// Scores a `bc`/`dagger` checkpoint (its output as is) or a residual checkpoint (base plus the
    /// deterministic residual, acting through the same action map `station-residual-sac` trains with) on seeds
    /// `firstSeed ..< firstSeed + episodes` on one simulated station of this task (camera observations).
    ///
    /// - Throws: ``LearningError/invalidOption(_:)`` when the task has no station RL set-up;
    ///   ``LearningError/checkpoint(_:)`` for an unreadable checkpoint.
    public func evaluateOnStation(policyDirectory: URL, firstSeed: UInt64, episodes: Int,
                                  progress: @escaping @Sendable (LearnProgress) -> Void) async throws
        -> StationPolicyEvaluation {
        guard let setup = loop.residualStation else {
            throw LearningError.invalidOption("task \(name) has no station evaluation; use one without --on-station")
        }
        guard episodes >= 1 else { throw LearningError.invalidOption("episodes must be ≥ 1, got \(episodes)") }
        let policy = try TaskPolicies.load(from: policyDirectory, task: name)
        let mailbox = PolicyMailbox()
        let base: ImitationModel, scale: [Float], mode: StationActingPolicy.Mode
        if let residual = policy as? ResidualPolicy {
            guard residual.info.observe == .camera else {
                throw LearningError.checkpoint("\(policyDirectory.path) reads --observe \(residual.info.observe.rawValue); "
                    + "the station gives camera observations")
            }
            (base, scale, mode) = (residual.base, residual.info.scale, .deterministic)
            mailbox.publish(SACPolicySnapshot(specification: residual.info.actor, weights: residual.actorWeights,
                                              logStandardDeviationRange: residual.info.sac.logStandardDeviationRange,
                                              version: 1))
        } else if let model = policy as? ImitationModel {
            guard model.info.observe == .camera else {
                throw LearningError.checkpoint("\(policyDirectory.path) reads --observe \(model.info.observe.rawValue); "
                    + "the station gives camera observations")
            }
            (base, scale, mode) = (model, [Float](repeating: 0, count: model.info.outputNames.count), .zero)
        } else {
            throw LearningError.checkpoint("\(policyDirectory.path) is not a bc, dagger or residual checkpoint")
        }
        let handle = try setup.makeStation("\(name)-eval", 9)
        try await handle.station.connect()
        let environment = StationEnvironment(station: handle.station, maxSteps: loop.maxSteps, shaping: setup.shaping,
                                             tags: ["split": "evaluation"]) { setup.makeMap(base, scale, false) }
        let start = Date()
        var successes = 0, stationSuccesses = 0, agreement = 0, interventions = 0
        var robotSeconds = 0.0, resetSeconds = 0.0, scores = 0.0
        var failed: [UInt64] = []
        var inputFailures = 0
        var firstInputFailure: String?
        for index in 0..<episodes {
            let seed = firstSeed + UInt64(index)
            let episode = try await environment.runEpisode(seed: seed, mode: mode, mailbox: mailbox, split: "evaluation")
            let truth = await handle.groundTruth()
            successes += truth.success ? 1 : 0
            if !truth.success { failed.append(seed) }
            stationSuccesses += episode.stationSuccess ? 1 : 0
            agreement += truth.success == episode.stationSuccess ? 1 : 0
            interventions += episode.interventions
            robotSeconds += episode.robotSeconds
            resetSeconds += episode.resetSeconds
            scores += truth.score
            if episode.recorded.summary.status == .aborted {
                inputFailures += 1
                if firstInputFailure == nil { firstInputFailure = episode.recorded.summary.reason }
            }
            let elapsed = Date().timeIntervalSince(start)
            progress(LearnProgress(phase: "station evaluation", done: index + 1, total: episodes,
                                   etaSeconds: elapsed / Double(index + 1) * Double(episodes - index - 1)))
        }
        let interval = try WilsonInterval(successes: successes, trials: episodes)
        let evaluation = PolicyEvaluation(
            task: name, observe: .camera, firstSeed: firstSeed, successes: successes, episodes: episodes,
            wilsonLow: interval.lower, wilsonHigh: interval.upper, meanTaskScore: scores / Double(episodes),
            robotSeconds: robotSeconds, wallSeconds: Date().timeIntervalSince(start),
            failedSeeds: Array(failed.prefix(50)), inputFailures: inputFailures, firstInputFailure: firstInputFailure)
        return StationPolicyEvaluation(evaluation: evaluation, stationSuccesses: stationSuccesses,
                                       agreement: agreement, resetSeconds: resetSeconds, interventions: interventions)
    }
}
