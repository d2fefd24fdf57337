public import Enpire
import Synchronization

/// A verified reset: tries a primary strategy, verifies after every attempt, retries, escalates to the next
/// strategy, and gives up with `verified: false` and a reason when every strategy has had its attempts or
/// the time budget (robot seconds on the station clock) is spent.
///
/// A `Station` pauses itself on an unverified outcome, so a scene the robot cannot put back stops the
/// station and reaches a person instead of starting an episode from a bad state. Statistics over all resets
/// are kept on the routine (``statistics``); copies of the routine share them. A strategy only a person can
/// carry out (an ``OperatorStep``) says so: the outcome's `operatorAction` names what the person was asked to do.
public struct EscalatingReset: ResetRoutine {
    /// One rung of the escalation ladder: a strategy and how many attempts it gets.
    public struct Stage: Sendable {
        /// The strategy.
        public var strategy: any ResetStrategy
        /// Attempts before escalating to the next stage (at least 1).
        public var attempts: Int

        /// Creates a stage.
        public init(_ strategy: any ResetStrategy, attempts: Int = 2) {
            self.strategy = strategy
            self.attempts = attempts
        }
    }

    /// The stages, primary first.
    public let stages: [Stage]
    /// The verifier consulted after each attempt.
    public let verifier: any ResetVerifier
    /// Robot time allowed for one reset, in seconds, over all attempts.
    public let timeBudgetSeconds: Double
    private let name: String
    private let stats: StatisticsBox

    /// Creates an escalating reset; throws when there are no stages, a stage has no attempts, or the budget is
    /// not a positive number.
    public init(name: String, stages: [Stage], verifier: any ResetVerifier, timeBudgetSeconds: Double) throws {
        guard !stages.isEmpty else { throw ResetStrategyError.invalidConfiguration("an escalating reset needs a stage") }
        for stage in stages where stage.attempts < 1 {
            throw ResetStrategyError.invalidConfiguration(
                "stage \(stage.strategy.name) has \(stage.attempts) attempts; give it at least 1")
        }
        guard timeBudgetSeconds.isFinite, timeBudgetSeconds > 0 else {
            throw ResetStrategyError.invalidConfiguration(
                "time budget must be a positive number of seconds, got \(timeBudgetSeconds)")
        }
        self.name = name
        self.stages = stages
        self.verifier = verifier
        self.timeBudgetSeconds = timeBudgetSeconds
        stats = StatisticsBox()
    }

    /// `"<name>[<strategy>x<attempts>,...]/<verifier>/<budget>s"`.
    public var identity: String {
        let ladder = stages.map { "\($0.strategy.name)x\($0.attempts)" }.joined(separator: ",")
        return "\(name)[\(ladder)]/\(verifier.identity)/\(timeBudgetSeconds)s"
    }

    /// Statistics over every reset this routine (or a copy of it) has run.
    public var statistics: ResetStatistics { stats.value.withLock { $0 } }

    /// Clears the statistics.
    public func resetStatistics() {
        stats.value.withLock { $0 = ResetStatistics() }
    }

    /// Runs the escalation ladder for `context.seed`.
    public func reset(_ context: ResetContext) async throws -> ResetOutcome {
        let clock = context.clock
        let started = clock.now()
        let deadline = started + timeBudgetSeconds
        var attempts = 0
        var notes: [String] = []
        var outcome: ResetOutcome?
        var operatorActions: [String] = []

        ladder: for stage in stages {
            for _ in 0..<stage.attempts {
                if clock.now() >= deadline { break ladder }
                attempts += 1
                let strategy = stage.strategy.name
                stats.value.withLock { $0.attempts += 1; $0.attemptsByStrategy[strategy, default: 0] += 1 }
                if let instruction = stage.strategy.operatorInstruction, !operatorActions.contains(instruction) {
                    operatorActions.append(instruction)
                }
                do {
                    try await stage.strategy.attempt(context, deadlineSeconds: deadline)
                } catch let error as ResetStrategyError {
                    if case .deadlineReached = error {
                        // Verify anyway: a strategy stopped by the clock may still have left a valid scene.
                        notes.append("attempt \(attempts) (\(strategy)): \(error)")
                    } else {
                        note(&notes, attempts, strategy, "strategy error", "\(error)")
                        continue
                    }
                } catch is CancellationError {
                    throw CancellationError()
                } catch {
                    note(&notes, attempts, strategy, "strategy error", "\(error)")
                    continue
                }
                let check: ResetVerification
                do {
                    check = try await verifier.verify(context)
                } catch {
                    note(&notes, attempts, strategy, "verifier error", "\(error)")
                    continue
                }
                if check.passed {
                    outcome = ResetOutcome(verified: true, attempts: attempts, elapsedSeconds: clock.now() - started,
                                           reason: notes.isEmpty ? nil : notes.joined(separator: "; "),
                                           strategy: strategy)
                    break ladder
                }
                note(&notes, attempts, strategy, "verification", check.reason ?? "verifier did not pass the scene")
            }
        }

        let elapsed = clock.now() - started
        var final: ResetOutcome
        if let outcome {
            final = outcome
        } else {
            let exhausted = elapsed >= timeBudgetSeconds
            let category = exhausted ? "time budget" : "attempts exhausted"
            let headline = exhausted
                ? "time budget of \(timeBudgetSeconds) s exhausted after \(attempts) attempts"
                : "all \(attempts) attempts failed verification"
            let detail = notes.isEmpty ? "" : ": " + notes.joined(separator: "; ")
            stats.value.withLock { $0.failureReasons[category, default: 0] += 1 }
            final = ResetOutcome(verified: false, attempts: attempts, elapsedSeconds: elapsed,
                                 reason: headline + detail, strategy: stages.last?.strategy.name ?? name)
        }
        if !operatorActions.isEmpty { final.operatorAction = operatorActions.joined(separator: "; ") }
        stats.value.withLock { $0.record(final) }
        return final
    }

    private func note(_ notes: inout [String], _ attempt: Int, _ strategy: String, _ category: String,
                      _ detail: String) {
        notes.append("attempt \(attempt) (\(strategy)) \(category): \(detail)")
        stats.value.withLock { $0.failureReasons[category, default: 0] += 1 }
    }
}

/// Shared, lock-protected statistics so that copies of a routine report together.
private final class StatisticsBox: Sendable {
    let value = Mutex(ResetStatistics())
}
